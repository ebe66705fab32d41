/* libFuzzer target: arbitrary bytes as a model file. Loading must fail cleanly or give a model whose
 * dimensions are consistent; a loaded model is saved again and must load again. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "aftersales/aftersales.h"
#include "ml/model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char path[] = "/tmp/as_fuzz_model_XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0) return 0;
    if (size && write(fd, data, size) < 0) { close(fd); unlink(path); return 0; }
    close(fd);
    as_model *m = NULL;
    as_error err;
    if (as_model_load(path, &m, &err) == AS_OK) {
        if (m->dim != (m->has_pca ? m->pca.k : m->p)) abort();
        if (as_model_save(m, path, &err) == AS_OK) {
            as_model *again = NULL;
            if (as_model_load(path, &again, &err) != AS_OK) abort();
            as_model_free(again);
        }
        as_model_free(m);
    }
    unlink(path);
    return 0;
}
