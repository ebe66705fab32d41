/* libFuzzer target: arbitrary bytes as a reason model file (quality/reason_model.h). Loading must fail cleanly
 * or give a model that predicts probabilities summing to 1 over the classes it knows; a loaded model is saved
 * again and must load again and predict the same. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "quality/reason_model.h"

static const char k_text[] = "arrived broken, não recebi o produto — too small";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char path[] = "/tmp/as_fuzz_reason_model_XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0) return 0;
    if (size && write(fd, data, size) < 0) { close(fd); unlink(path); return 0; }
    close(fd);
    as_reason_model *m = NULL;
    as_error err;
    if (as__reason_model_load(path, &m, &err) == AS_OK) {
        double p[AS_REASON_N], q[AS_REASON_N], top, sum = 0;
        as_reason_class c = as__reason_model_predict(m, k_text, sizeof k_text - 1, &top, p);
        for (int k = 0; k < AS_REASON_N; k++) sum += p[k];
        if (!as__reason_model_has_class(m, c) || !(fabs(sum - 1) < 1e-9) || !(top > 0 && top <= 1)) abort();
        if (as__reason_model_save(m, path, &err) == AS_OK) {
            as_reason_model *again = NULL;
            if (as__reason_model_load(path, &again, &err) != AS_OK) abort();
            as__reason_model_predict(again, k_text, sizeof k_text - 1, NULL, q);
            for (int k = 0; k < AS_REASON_N; k++)
                if (p[k] != q[k]) abort();
            as__reason_model_free(again);
        }
        as__reason_model_free(m);
    }
    unlink(path);
    return 0;
}
