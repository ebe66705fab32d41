/* quality/stats: special functions, rate intervals, the beta-binomial prior, funnel limits, dispersion and the
 * Bernoulli CUSUM. Reference values come from scipy (boost under scipy.stats.beta / binom) and numpy, printed by
 * tests/reference/quality_stats_reference.py; the issue's own figures are asserted to the digits it gives. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "quality/stats.h"
#include "test.h"

static double rel_err(double got, double want) {
    return want == 0.0 ? fabs(got) : fabs(got - want) / fabs(want);
}

#define CHECK_REL(got, want, tol) CHECK_MSG(rel_err((got), (want)) <= (tol), "%s = %.17g, expected %.17g (rel %g)", \
                                            #got, (double)(got), (double)(want), (double)(tol))

/* ---- special functions against scipy on a grid ---- */

/* Printed by tests/reference/quality_stats_reference.py (scipy 1.10, numpy 1.24). */
/* a, b, x, I_x(a, b) */
static const double beta_inc_ref[][4] = {
    {0.5, 0.5, 1e-12, 6.366197723676875e-07},
    {0.5, 0.5, 1e-06, 0.0006366198784709245},
    {0.5, 0.5, 0.01, 0.06376856085851985},
    {0.5, 0.5, 0.3, 0.36901011956554536},
    {0.5, 0.5, 0.9, 0.7951672353008665},
    {0.5, 0.5, 0.999999, 0.9993633801215482},
    {0.5, 2.5, 1e-12, 1.6976527263127018e-06},
    {0.5, 2.5, 1e-06, 0.0016976518774873145},
    {0.5, 2.5, 0.01, 0.1689177210279435},
    {0.5, 2.5, 0.3, 0.7968893362799453},
    {0.5, 2.5, 0.9, 0.9988855624584926},
    {0.5, 2.5, 0.999999, 0.9999999999999997},
    {0.5, 30.0, 1e-12, 6.154690380454677e-06},
    {0.5, 30.0, 1e-06, 0.006154630885673585},
    {0.5, 30.0, 0.01, 0.560665631094749},
    {0.5, 30.0, 0.3, 0.9999959227890062},
    {0.5, 100000.0, 1e-12, 0.00035682436530577727},
    {0.5, 100000.0, 1e-06, 0.3452788311131676},
    {2.5, 0.5, 1e-12, 3.395305452628314e-31},
    {2.5, 0.5, 1e-06, 3.3953066652368976e-16},
    {2.5, 0.5, 0.01, 3.4075027649461746e-06},
    {2.5, 0.5, 0.3, 0.018927124071945658},
    {2.5, 0.5, 0.9, 0.48958974456442755},
    {2.5, 0.5, 0.999999, 0.9983023481224883},
    {2.5, 2.5, 1e-12, 5.432488724197543e-30},
    {2.5, 2.5, 1e-06, 5.4324829036808594e-15},
    {2.5, 2.5, 0.01, 5.3743968195449395e-05},
    {2.5, 2.5, 0.3, 0.1869669619088736},
    {2.5, 2.5, 0.9, 0.9846252795574588},
    {2.5, 2.5, 0.999999, 0.9999999999999946},
    {2.5, 30.0, 1e-12, 1.5768316754550683e-27},
    {2.5, 30.0, 1e-06, 1.5767990129015418e-12},
    {2.5, 30.0, 0.01, 0.012832876130559466},
    {2.5, 30.0, 0.3, 0.9994564539217753},
    {2.5, 100000.0, 1e-12, 9.515506352704053e-19},
    {2.5, 100000.0, 1e-06, 0.0008861560085199918},
    {30.0, 0.5, 1e-06, 1.0257822264320517e-181},
    {30.0, 0.5, 0.01, 1.0307815466209114e-61},
    {30.0, 0.5, 0.3, 2.507205646815931e-17},
    {30.0, 0.5, 0.9, 0.012282448499852763},
    {30.0, 0.5, 0.999999, 0.9938453691142379},
    {30.0, 2.5, 1e-06, 1.314024488782569e-178},
    {30.0, 2.5, 0.01, 1.294998090694321e-58},
    {30.0, 2.5, 0.3, 1.6175640665394432e-14},
    {30.0, 2.5, 0.9, 0.26254832087078794},
    {30.0, 2.5, 0.999999, 0.9999999999984232},
    {30.0, 30.0, 1e-06, 5.913063128580922e-164},
    {30.0, 30.0, 0.01, 4.460320858382859e-44},
    {30.0, 30.0, 0.3, 0.0006384379147396779},
    {30.0, 30.0, 0.9, 0.9999999999999969},
    {30.0, 100000.0, 1e-12, 3.7864208097455607e-243},
    {30.0, 100000.0, 1e-06, 3.437185288911631e-63},
    {100000.0, 0.5, 0.999999, 0.6547211688821903},
    {100000.0, 2.5, 0.999999, 0.9991138439914181},
};

/* a, b, p, x */
static const double beta_quantile_ref[][4] = {
    {0.5, 0.5, 1e-12, 2.4674011002723395e-24},
    {0.5, 0.5, 0.025, 0.001541333133436012},
    {0.5, 0.5, 0.5, 0.4999999999999999},
    {0.5, 0.5, 0.975, 0.9984586668665639},
    {0.5, 0.5, 0.999999999, 1.0},
    {0.5, 2.5, 1e-12, 3.4697827972579753e-25},
    {0.5, 2.5, 0.025, 0.00021690847003096587},
    {0.5, 2.5, 0.5, 0.09552581803782106},
    {0.5, 2.5, 0.975, 0.6668217544012089},
    {0.5, 2.5, 0.999999999, 0.9996130770899315},
    {0.5, 30.0, 1e-12, 2.639900631099518e-26},
    {0.5, 30.0, 0.025, 1.650464425776342e-05},
    {0.5, 30.0, 0.5, 0.0076165256018794125},
    {0.5, 30.0, 0.975, 0.08096134110426596},
    {0.5, 30.0, 0.999999999, 0.46581485054752336},
    {0.5, 100000.0, 1e-12, 7.854001268953115e-30},
    {0.5, 100000.0, 0.025, 4.910357849699779e-09},
    {0.5, 100000.0, 0.5, 2.274685215208847e-06},
    {0.5, 100000.0, 0.975, 2.5119178243257737e-05},
    {0.5, 100000.0, 0.999999999, 0.00018660751873771824},
    {2.5, 0.5, 1e-12, 2.441444998876017e-05},
    {2.5, 0.5, 0.025, 0.3331782455987909},
    {2.5, 0.5, 0.5, 0.9044741819621789},
    {2.5, 0.5, 0.975, 0.999783091529969},
    {2.5, 0.5, 0.999999999, 1.0},
    {2.5, 2.5, 1e-12, 8.053820863308662e-06},
    {2.5, 2.5, 0.025, 0.12275388276951774},
    {2.5, 2.5, 0.5, 0.5},
    {2.5, 2.5, 0.975, 0.8772461172304822},
    {2.5, 2.5, 0.999999999, 0.9998723489998419},
    {2.5, 30.0, 1e-12, 8.334678747102549e-07},
    {2.5, 30.0, 0.025, 0.013428162532299868},
    {2.5, 30.0, 0.5, 0.06833503606213082},
    {2.5, 30.0, 0.975, 0.18843875847738395},
    {2.5, 30.0, 0.999999999, 0.5621290510999495},
    {2.5, 100000.0, 1e-12, 2.562302530874066e-10},
    {2.5, 100000.0, 0.025, 4.1560182610654695e-06},
    {2.5, 100000.0, 0.5, 2.1756901092910462e-05},
    {2.5, 100000.0, 0.975, 6.415997041996634e-05},
    {2.5, 100000.0, 0.999999999, 0.00025342694987432206},
    {30.0, 0.5, 1e-12, 0.4257147104559942},
    {30.0, 0.5, 0.025, 0.919038658895734},
    {30.0, 0.5, 0.5, 0.9923834743981206},
    {30.0, 0.5, 0.975, 0.9999834953557423},
    {30.0, 0.5, 0.999999999, 1.0},
    {30.0, 2.5, 1e-12, 0.3453109413933329},
    {30.0, 2.5, 0.025, 0.811561241522616},
    {30.0, 2.5, 0.5, 0.9316649639378691},
    {30.0, 2.5, 0.975, 0.9865718374677002},
    {30.0, 2.5, 0.999999999, 0.9999867890697597},
    {30.0, 30.0, 1e-12, 0.12434945315566945},
    {30.0, 30.0, 0.025, 0.3749825497349764},
    {30.0, 30.0, 0.5, 0.5},
    {30.0, 30.0, 0.975, 0.6250174502650235},
    {30.0, 30.0, 0.999999999, 0.836732880970173},
    {30.0, 100000.0, 1e-12, 5.771990297416692e-05},
    {30.0, 100000.0, 0.025, 0.00020235891912596024},
    {30.0, 100000.0, 0.5, 0.0002965863317353992},
    {30.0, 100000.0, 0.975, 0.0004163413018779402},
    {30.0, 100000.0, 0.999999999, 0.000752011822381269},
    {100000.0, 0.5, 1e-12, 0.9997458110363922},
    {100000.0, 0.5, 0.025, 0.9999748808217568},
    {100000.0, 0.5, 0.5, 0.9999977253147848},
    {100000.0, 0.5, 0.975, 0.9999999950896421},
    {100000.0, 0.5, 0.999999999, 1.0},
    {100000.0, 2.5, 1e-12, 0.9996738624597037},
    {100000.0, 2.5, 0.025, 0.99993584002958},
    {100000.0, 2.5, 0.5, 0.999978243098907},
    {100000.0, 2.5, 0.975, 0.9999958439817389},
    {100000.0, 2.5, 0.999999999, 0.9999999959385827},
    {100000.0, 30.0, 1e-12, 0.9991411984567691},
    {100000.0, 30.0, 0.025, 0.999583658698122},
    {100000.0, 30.0, 0.5, 0.9997034136682647},
    {100000.0, 30.0, 0.975, 0.999797641080874},
    {100000.0, 30.0, 0.999999999, 0.9999226177374857},
    {100000.0, 100000.0, 1e-12, 0.4921356846123007},
    {100000.0, 100000.0, 0.025, 0.49780870143169204},
    {100000.0, 100000.0, 0.5, 0.5},
    {100000.0, 100000.0, 0.975, 0.5021912985683079},
    {100000.0, 100000.0, 0.999999999, 0.5067054589598141},
};

typedef struct binom_cdf_row { int64_t k, n; double p, want; } binom_cdf_row;
static const binom_cdf_row binom_cdf_ref[] = {
    {0, 1LL, 0.0001, 0.9999},
    {1, 1LL, 0.0001, 1.0},
    {0, 1LL, 0.05, 0.95},
    {1, 1LL, 0.05, 1.0},
    {0, 1LL, 0.14042, 0.85958},
    {1, 1LL, 0.14042, 1.0},
    {0, 1LL, 0.5, 0.5},
    {1, 1LL, 0.5, 1.0},
    {0, 1LL, 0.97, 0.030000000000000027},
    {1, 1LL, 0.97, 1.0},
    {0, 26LL, 0.0001, 0.9974032474014943},
    {1, 26LL, 0.0001, 0.9999967551955177},
    {25, 26LL, 0.0001, 1.0},
    {0, 26LL, 0.05, 0.2635200944657423},
    {1, 26LL, 0.05, 0.6241265395241269},
    {5, 26LL, 0.05, 0.9984894393488782},
    {25, 26LL, 0.05, 1.0},
    {0, 26LL, 0.14042, 0.019563378406472685},
    {1, 26LL, 0.14042, 0.1026555042025118},
    {3, 26LL, 0.14042, 0.49406902248992934},
    {9, 26LL, 0.14042, 0.9981770971222477},
    {25, 26LL, 0.14042, 1.0},
    {0, 26LL, 0.5, 1.4901161193847656e-08},
    {1, 26LL, 0.5, 4.023313522338867e-07},
    {5, 26LL, 0.5, 0.0012469589710235596},
    {13, 26LL, 0.5, 0.577490508556366},
    {21, 26LL, 0.5, 0.9997332394123077},
    {25, 26LL, 0.5, 0.9999999850988388},
    {0, 26LL, 0.97, 2.5418658283290586e-40},
    {1, 26LL, 0.97, 2.1394037388436225e-37},
    {22, 26LL, 0.97, 0.007139018108862636},
    {25, 26LL, 0.97, 0.5470345359032596},
    {0, 7592LL, 0.0001, 0.46802294217205476},
    {1, 7592LL, 0.0001, 0.8233814957244339},
    {4, 7592LL, 0.0001, 0.9988779274613162},
    {7591, 7592LL, 0.0001, 1.0},
    {0, 7592LL, 0.05, 7.544168032196814e-170},
    {1, 7592LL, 0.05, 3.0220348891068646e-167},
    {322, 7592LL, 0.05, 0.001052228915937411},
    {379, 7592LL, 0.05, 0.5010514922086968},
    {437, 7592LL, 0.05, 0.9985941221665947},
    {7591, 7592LL, 0.05, 1.0},
    {975, 7592LL, 0.14042, 0.001244499449909774},
    {1066, 7592LL, 0.14042, 0.5072637180157058},
    {1157, 7592LL, 0.14042, 0.9986025844792884},
    {7591, 7592LL, 0.14042, 1.0},
    {3665, 7592LL, 0.5, 0.0013690130715049132},
    {3796, 7592LL, 0.5, 0.5045784414535737},
    {3927, 7592LL, 0.5, 0.9987305854912273},
    {7591, 7592LL, 0.5, 1.0},
    {7319, 7592LL, 0.97, 0.0016847309701573207},
    {7364, 7592LL, 0.97, 0.5027716540491108},
    {7409, 7592LL, 0.97, 0.9991580681710492},
    {7591, 7592LL, 0.97, 1.0},
    {0, 100000LL, 0.0001, 4.537723395896114e-05},
    {1, 100000LL, 0.0001, 0.000499194955321259},
    {10, 100000LL, 0.0001, 0.5830397502972542},
    {20, 100000LL, 0.0001, 0.9984126722264012},
    {99999, 100000LL, 0.0001, 1.0},
    {4793, 100000LL, 0.05, 0.0012895177601895938},
    {5000, 100000LL, 0.05, 0.5037624048046621},
    {5207, 100000LL, 0.05, 0.9986209963204107},
    {99999, 100000LL, 0.05, 1.0},
    {13712, 100000LL, 0.14042, 0.0013150066057962028},
    {14041, 100000LL, 0.14042, 0.49861963002921345},
    {14372, 100000LL, 0.14042, 0.9986481673736344},
    {99999, 100000LL, 0.14042, 1.0},
    {49525, 100000LL, 0.5, 0.0013453777323640776},
    {50000, 100000LL, 0.5, 0.501261563107098},
    {50475, 100000LL, 0.5, 0.9986823028514369},
    {99999, 100000LL, 0.5, 1.0},
    {96838, 100000LL, 0.97, 0.0014829977868924293},
    {97000, 100000LL, 0.97, 0.5025390996685064},
    {97162, 100000LL, 0.97, 0.9988028872029159},
    {99999, 100000LL, 0.97, 1.0},
    {905, 10000000LL, 0.0001, 0.0012140308960391067},
    {1000, 10000000LL, 0.0001, 0.508409367178962},
    {1095, 10000000LL, 0.0001, 0.998554365373806},
    {9999999, 10000000LL, 0.0001, 1.0},
    {497932, 10000000LL, 0.05, 0.0013428748083742607},
    {500000, 10000000LL, 0.05, 0.5003762500273896},
    {502068, 10000000LL, 0.05, 0.9986481314258802},
    {9999999, 10000000LL, 0.05, 1.0},
    {1400904, 10000000LL, 0.14042, 0.00134779081765945},
    {1404200, 10000000LL, 0.14042, 0.5002250847144476},
    {1407496, 10000000LL, 0.14042, 0.9986485073159519},
    {9999999, 10000000LL, 0.14042, 1.0},
    {4995256, 10000000LL, 0.5, 0.0013496630904931432},
    {5000000, 10000000LL, 0.5, 0.500126156622949},
    {5004744, 10000000LL, 0.5, 0.9986531367541456},
    {9999999, 10000000LL, 0.5, 1.0},
    {9698381, 10000000LL, 0.97, 0.001358822894971593},
    {9700000, 10000000LL, 0.97, 0.5002539098178769},
    {9701619, 10000000LL, 0.97, 0.9986698986692284},
    {9999999, 10000000LL, 0.97, 1.0},
};

typedef struct binom_q_row { double q; int64_t n; double p; int64_t want; } binom_q_row;
static const binom_q_row binom_quantile_ref[] = {
    {1e-12, 1LL, 0.0001, 0LL},
    {0.025, 1LL, 0.0001, 0LL},
    {0.5, 1LL, 0.0001, 0LL},
    {0.999, 1LL, 0.0001, 0LL},
    {0.999999999, 1LL, 0.0001, 1LL},
    {1e-12, 1LL, 0.14042, 0LL},
    {0.025, 1LL, 0.14042, 0LL},
    {0.5, 1LL, 0.14042, 0LL},
    {0.999, 1LL, 0.14042, 1LL},
    {0.999999999, 1LL, 0.14042, 1LL},
    {1e-12, 1LL, 0.97, 0LL},
    {0.025, 1LL, 0.97, 0LL},
    {0.5, 1LL, 0.97, 1LL},
    {0.999, 1LL, 0.97, 1LL},
    {0.999999999, 1LL, 0.97, 1LL},
    {1e-12, 26LL, 0.0001, 0LL},
    {0.025, 26LL, 0.0001, 0LL},
    {0.5, 26LL, 0.0001, 0LL},
    {0.999, 26LL, 0.0001, 1LL},
    {0.999999999, 26LL, 0.0001, 3LL},
    {1e-12, 26LL, 0.14042, 0LL},
    {0.025, 26LL, 0.14042, 1LL},
    {0.5, 26LL, 0.14042, 4LL},
    {0.999, 26LL, 0.14042, 10LL},
    {0.999999999, 26LL, 0.14042, 17LL},
    {1e-12, 26LL, 0.97, 14LL},
    {0.025, 26LL, 0.97, 23LL},
    {0.5, 26LL, 0.97, 25LL},
    {0.999, 26LL, 0.97, 26LL},
    {0.999999999, 26LL, 0.97, 26LL},
    {1e-12, 7592LL, 0.0001, 0LL},
    {0.025, 7592LL, 0.0001, 0LL},
    {0.5, 7592LL, 0.0001, 1LL},
    {0.999, 7592LL, 0.0001, 5LL},
    {0.999999999, 7592LL, 0.0001, 10LL},
    {1e-12, 7592LL, 0.14042, 859LL},
    {0.025, 7592LL, 0.14042, 1007LL},
    {0.5, 7592LL, 0.14042, 1066LL},
    {0.999, 7592LL, 0.14042, 1161LL},
    {0.999999999, 7592LL, 0.14042, 1252LL},
    {1e-12, 7592LL, 0.97, 7252LL},
    {0.025, 7592LL, 0.97, 7335LL},
    {0.5, 7592LL, 0.97, 7364LL},
    {0.999, 7592LL, 0.97, 7409LL},
    {0.999999999, 7592LL, 0.97, 7448LL},
    {1e-12, 100000LL, 0.0001, 0LL},
    {0.025, 100000LL, 0.0001, 4LL},
    {0.5, 100000LL, 0.0001, 10LL},
    {0.999, 100000LL, 0.0001, 21LL},
    {0.999999999, 100000LL, 0.0001, 34LL},
    {1e-12, 100000LL, 0.14042, 13275LL},
    {0.025, 100000LL, 0.14042, 13827LL},
    {0.5, 100000LL, 0.14042, 14042LL},
    {0.999, 100000LL, 0.14042, 14383LL},
    {0.999999999, 100000LL, 0.14042, 14705LL},
    {1e-12, 100000LL, 0.97, 96613LL},
    {0.025, 100000LL, 0.97, 96894LL},
    {0.5, 100000LL, 0.97, 97000LL},
    {0.999, 100000LL, 0.97, 97165LL},
    {0.999999999, 100000LL, 0.97, 97318LL},
    {1e-12, 10000000LL, 0.0001, 786LL},
    {0.025, 10000000LL, 0.0001, 939LL},
    {0.5, 10000000LL, 0.0001, 1000LL},
    {0.999, 10000000LL, 0.0001, 1099LL},
    {0.999999999, 10000000LL, 0.0001, 1195LL},
    {1e-12, 10000000LL, 0.14042, 1396477LL},
    {0.025, 10000000LL, 0.14042, 1402047LL},
    {0.5, 10000000LL, 0.14042, 1404200LL},
    {0.999, 10000000LL, 0.14042, 1407596LL},
    {0.999999999, 10000000LL, 0.14042, 1410794LL},
    {1e-12, 10000000LL, 0.97, 9696198LL},
    {0.025, 10000000LL, 0.97, 9698942LL},
    {0.5, 10000000LL, 0.97, 9700000LL},
    {0.999, 10000000LL, 0.97, 9701666LL},
    {0.999999999, 10000000LL, 0.97, 9703230LL},
    {1e-12, 100000000LL, 0.0001, 9305LL},
    {0.025, 100000000LL, 0.0001, 9804LL},
    {0.5, 100000000LL, 0.0001, 10000LL},
    {0.999, 100000000LL, 0.0001, 10310LL},
    {0.999999999, 100000000LL, 0.0001, 10606LL},
    {1e-12, 100000000LL, 0.14042, 14017566LL},
    {0.025, 100000000LL, 0.14042, 14035191LL},
    {0.5, 100000000LL, 0.14042, 14042000LL},
    {0.999, 100000000LL, 0.14042, 14052737LL},
    {0.999999999, 100000000LL, 0.14042, 14062842LL},
    {1e-12, 100000000LL, 0.97, 96987992LL},
    {0.025, 100000000LL, 0.97, 96996656LL},
    {0.5, 100000000LL, 0.97, 97000000LL},
    {0.999, 100000000LL, 0.97, 97005270LL},
    {0.999999999, 100000000LL, 0.97, 97010226LL},
};

static const double norm_quantile_ref[][2] = {
    {1e-300, -37.0470962993612},
    {1e-20, -9.262340089798409},
    {1e-10, -6.361340902404056},
    {1e-05, -4.264890793922825},
    {0.001, -3.090232306167813},
    {0.025, -1.9599639845400545},
    {0.3, -0.5244005127080409},
    {0.5, 0.0},
    {0.7, 0.5244005127080407},
    {0.975, 1.959963984540054},
    {0.999, 3.090232306167813},
    {0.9999999999, 6.361340889697422},
};

typedef struct interval_row { int k, n; double jl, jh, el, eh; } interval_row;
/* 95 %: Jeffreys and Clopper-Pearson */
static const interval_row interval_ref[] = {
    {7, 50, 0.0648717011505185, 0.25532502815639163, 0.0581917003403721, 0.2673960024970084},
    {0, 10, 0.0, 0.21719626750921053, 0.0, 0.3084971078187608},
    {1, 3, 0.038747617785165174, 0.8232639028687426, 0.008403758659612636, 0.9057006759497539},
    {10, 10, 0.7828037324907894, 1.0, 0.6915028921812392, 1.0},
    {3, 1000, 0.0008456348018298346, 0.007984367358403442, 0.0006190999316495713, 0.008742023238478303},
    {500, 1000, 0.46904771269911394, 0.5309522873008861, 0.46854917297179216, 0.5314508270282079},
    {0, 1, 0.0, 0.8532536836904248, 0.0, 0.975},
    {1, 1, 0.1467463163095751, 1.0, 0.025, 1.0},
};

#define BB_ALPHA 2.226245258065688
#define BB_BETA 26.505341231640323
static const double bb_shrunk_ref[] = {0.09964655443255362, 0.06104538453914281, 0.07721766404232712, 0.03239042442879031, 0.15815099004336175, 0.03710874742166025};
#define BB_CRED_LO 0.05488923143307473   /* 95 % credible interval of 11/104 */
#define BB_CRED_HI 0.1557895686652856

typedef struct funnel_row { double p0; int64_t n; double q, want; } funnel_row;
static const funnel_row funnel_ref[] = {
    {0.14042, 26, 0.975, 0.26671576464536517},
    {0.14042, 26, 0.999, 0.36865829141129597},
    {0.14042, 7592, 0.975, 0.14821414920708628},
    {0.14042, 26, 0.025, 0.0025164939338963065},
    {0.14042, 26, 0.001, 0.0},
    {0.14042, 7592, 0.025, 0.13258358286240088},
    {0.14042, 7592, 0.001, 0.12816932667337924},
    {0.02, 300, 0.999, 0.04762350585517174},
    {0.02, 300, 0.001, 0.0},
};

#define DISP_USED 12
#define DISP_KEPT 11
#define DISP_TAU2 0.0028174163770308376
#define DISP_LOGIT_LIMIT 0.21205972750007376   /* funnel_limit_logit(0.1, 80, 0.999, tau2) */

#define CUSUM_WS 0.6931471805599453   /* p0 = 0.05, p1 = 0.10 */
#define CUSUM_WF -0.0540672212702757

static void test_beta_inc(void) {
    for (size_t i = 0; i < sizeof beta_inc_ref / sizeof *beta_inc_ref; i++) {
        const double *r = beta_inc_ref[i];
        /* boost itself is good to ~1e-13 here; 1e5-sized parameters next to x ≈ 1 cost us a few more digits */
        double tol = r[0] >= 1e5 || r[1] >= 1e5 ? 1e-11 : 1e-13;
        CHECK_MSG(rel_err(as__beta_inc(r[0], r[1], r[2]), r[3]) <= tol, "I_%g(%g, %g) = %.17g, scipy %.17g", r[2], r[0],
                  r[1], as__beta_inc(r[0], r[1], r[2]), r[3]);
    }
    CHECK(as__beta_inc(2.0, 3.0, 0.0) == 0.0);
    CHECK(as__beta_inc(2.0, 3.0, 1.0) == 1.0);
    /* symmetry I_½(a, a) = ½ exactly, where cephes (scipy.special.betainc) returns 0.4907 for a = 10⁷ */
    CHECK_NEAR(as__beta_inc(1e7, 1e7, 0.5), 0.5, 1e-12);
    /* closed forms: I_x(1, b) = 1 − (1 − x)^b, I_x(a, 1) = x^a */
    CHECK_REL(as__beta_inc(1.0, 1e7, 1e-12), -expm1(1e7 * log1p(-1e-12)), 1e-12);
    CHECK_REL(as__beta_inc(3.5, 1.0, 0.2), pow(0.2, 3.5), 1e-14);
}

static void test_beta_quantile(void) {
    for (size_t i = 0; i < sizeof beta_quantile_ref / sizeof *beta_quantile_ref; i++) {
        const double *r = beta_quantile_ref[i];
        double x = as__beta_quantile(r[0], r[1], r[2]);
        CHECK_MSG(rel_err(x, r[3]) <= 1e-12 || fabs(x - r[3]) <= 1e-15, "Beta(%g, %g) quantile %g = %.17g, scipy %.17g",
                  r[0], r[1], r[2], x, r[3]);
        /* and it inverts our own incomplete beta */
        if (r[2] <= 0.5) CHECK_MSG(rel_err(as__beta_inc(r[0], r[1], x), r[2]) <= 1e-10, "round trip a=%g b=%g p=%g", r[0], r[1], r[2]);
    }
    CHECK(as__beta_quantile(2.0, 3.0, 0.0) == 0.0);
    CHECK(as__beta_quantile(2.0, 3.0, 1.0) == 1.0);
}

static void test_binom(void) {
    for (size_t i = 0; i < sizeof binom_cdf_ref / sizeof *binom_cdf_ref; i++) {
        const binom_cdf_row *r = &binom_cdf_ref[i];
        /* n = 10⁷ with a rounded 1 − p inside: ~1e-10 (boost is no better there: at k = 1, p = 1e-6 the closed
         * form (1 − p)^(n−1)(1 − p + np) = 4.99397184393256e-4 is 2e-11 from ours and 3e-10 from boost) */
        double tol = r->n >= 10000000 ? 2e-9 : r->n >= 100000 ? 5e-12 : 1e-12;
        double got = as__binom_cdf(r->k, r->n, r->p);
        CHECK_MSG(rel_err(got, r->want) <= tol, "binom cdf(%lld; %lld, %g) = %.17g, scipy %.17g", (long long)r->k,
                  (long long)r->n, r->p, got, r->want);
    }
    CHECK(as__binom_cdf(-1, 10, 0.3) == 0.0);
    CHECK(as__binom_cdf(10, 10, 0.3) == 1.0);
    CHECK(as__binom_cdf(3, 10, 0.0) == 1.0);
    CHECK(as__binom_cdf(3, 10, 1.0) == 0.0);
    /* a slow obvious twin: the pmf summed term by term */
    double sum = 0.0;
    for (int j = 0; j <= 7; j++) sum += exp(lgamma(41.0) - lgamma(j + 1.0) - lgamma(41.0 - j) + j * log(0.13) + (40 - j) * log1p(-0.13));
    CHECK_REL(as__binom_cdf(7, 40, 0.13), sum, 1e-13);

    for (size_t i = 0; i < sizeof binom_quantile_ref / sizeof *binom_quantile_ref; i++) {
        const binom_q_row *r = &binom_quantile_ref[i];
        int64_t got = as__binom_quantile(r->q, r->n, r->p);
        CHECK_MSG(got == r->want, "binom ppf(%g; %lld, %g) = %lld, scipy %lld", r->q, (long long)r->n, r->p,
                  (long long)got, (long long)r->want);
    }
    /* ppf(cdf(k)) = k exactly, the rounding case the smallest-k rule must get right */
    for (int64_t k = 0; k < 26 && as__binom_cdf(k, 26, 0.14042) < 1.0; k++)
        CHECK(as__binom_quantile(as__binom_cdf(k, 26, 0.14042), 26, 0.14042) == k);
    CHECK(as__binom_quantile(as__binom_cdf(9, 26, 0.14042), 26, 0.14042) == 9);
}

static void test_norm_quantile(void) {
    for (size_t i = 0; i < sizeof norm_quantile_ref / sizeof *norm_quantile_ref; i++)
        CHECK_REL(as__norm_quantile(norm_quantile_ref[i][0]), norm_quantile_ref[i][1], 2e-15);
    CHECK(as__norm_quantile(0.5) == 0.0);
    CHECK(isinf(as__norm_quantile(0.0)) && as__norm_quantile(0.0) < 0);
    CHECK(isinf(as__norm_quantile(1.0)) && as__norm_quantile(1.0) > 0);
}

/* ---- intervals ---- */

static void test_intervals(void) {
    double lo, hi;
    /* the issue: Wilson 95 % (statsmodels proportion_confint, R prop.test(correct = FALSE)) */
    as__rate_interval(AS_INTERVAL_WILSON, 7, 50, 0.95, &lo, &hi);
    CHECK_NEAR(lo, 0.069508, 1e-6);
    CHECK_NEAR(hi, 0.261862, 1e-6);
    as__rate_interval(AS_INTERVAL_WILSON, 0, 10, 0.95, &lo, &hi);
    CHECK(lo == 0.0);
    CHECK_NEAR(hi, 0.277533, 1e-6);
    as__rate_interval(AS_INTERVAL_WILSON, 1, 3, 0.95, &lo, &hi);
    CHECK_NEAR(lo, 0.061492, 1e-6);
    CHECK_NEAR(hi, 0.792340, 1e-6);
    as__rate_interval(AS_INTERVAL_WILSON, 10, 10, 0.95, &lo, &hi);
    CHECK_NEAR(lo, 1.0 - 0.277533, 1e-6);
    CHECK(hi == 1.0);
    /* Clopper–Pearson 7/50 (the issue; scipy 0.05819170033997342, 0.26739600249700846) */
    as__rate_interval(AS_INTERVAL_EXACT, 7, 50, 0.95, &lo, &hi);
    CHECK_NEAR(lo, 0.058192, 1e-6);
    CHECK_NEAR(hi, 0.267396, 1e-6);
    /* boost's beta.ppf stops 7e-12 short on the low end: mpmath's root of I_x(7, 44) = 0.025 is
     * 0.058191700340372086, which is what we return */
    CHECK_REL(lo, 0.05819170033997342, 1e-10);
    CHECK_REL(lo, 0.058191700340372086, 1e-14);
    CHECK_REL(hi, 0.26739600249700846, 1e-12);
    for (size_t i = 0; i < sizeof interval_ref / sizeof *interval_ref; i++) {
        const interval_row *r = &interval_ref[i];
        as__rate_interval(AS_INTERVAL_JEFFREYS, r->k, r->n, 0.95, &lo, &hi);
        CHECK_MSG(rel_err(lo, r->jl) <= 1e-12 && rel_err(hi, r->jh) <= 1e-12, "Jeffreys %d/%d = (%.17g, %.17g)", r->k, r->n, lo, hi);
        as__rate_interval(AS_INTERVAL_EXACT, r->k, r->n, 0.95, &lo, &hi);
        CHECK_MSG(rel_err(lo, r->el) <= 1e-12 && rel_err(hi, r->eh) <= 1e-12, "exact %d/%d = (%.17g, %.17g)", r->k, r->n, lo, hi);
        CHECK((r->k == 0) == (lo == 0.0) && (r->k == r->n) == (hi == 1.0));
    }
    /* a wider level gives a wider interval; degenerate levels stay inside [0, 1] */
    double lo99, hi99;
    as__rate_interval(AS_INTERVAL_WILSON, 7, 50, 0.99, &lo99, &hi99);
    as__rate_interval(AS_INTERVAL_WILSON, 7, 50, 0.95, &lo, &hi);
    CHECK(lo99 < lo && hi99 > hi);
    as__rate_interval(AS_INTERVAL_JEFFREYS, 7, 50, 1.0, &lo, &hi);
    CHECK(lo == 0.0 && hi == 1.0);
    as__rate_interval(AS_INTERVAL_EXACT, 3, 0, 0.95, &lo, &hi);
    CHECK(lo == 0.0 && hi == 1.0);

    CHECK_STR(as__interval_name(AS_INTERVAL_WILSON), "wilson");
    CHECK_STR(as__interval_name(AS_INTERVAL_JEFFREYS), "jeffreys");
    CHECK_STR(as__interval_name(AS_INTERVAL_EXACT), "exact");
    CHECK(as__interval_parse("jeffreys") == AS_INTERVAL_JEFFREYS);
    CHECK(as__interval_parse("exact") == AS_INTERVAL_EXACT);
    CHECK(as__interval_parse("wilson") == AS_INTERVAL_WILSON);
    CHECK(as__interval_parse("wald") == -1);
    CHECK(as__interval_parse(NULL) == -1);
}

/* ---- the beta prior ---- */

static void test_betabin_fit(void) {
    static const as_bb_count c[] = {{104, 11}, {1351, 82}, {26, 2}, {40, 0}, {7592, 1203}, {166, 5}};
    as_bb_fit fit;
    as__betabin_fit(c, 6, &fit);
    CHECK(fit.method == AS_BB_ML);
    /* the issue: scipy optimum alpha 2.226245544118288, beta 26.505344921418846 */
    CHECK_NEAR(fit.alpha, 2.2262, 1e-4);
    CHECK_NEAR(fit.beta, 26.5053, 1e-4);
    CHECK_REL(fit.alpha, 2.226245544118288, 1e-5);
    CHECK_REL(fit.beta, 26.505344921418846, 1e-5);
    /* the optimum has a gradient of −2e-7 in ln β; the root of the gradient (the reference script) is
     * 2.226245258065688, 26.505341231640323, and Newton lands on it */
    CHECK_REL(fit.alpha, BB_ALPHA, 1e-10);
    CHECK_REL(fit.beta, BB_BETA, 1e-10);
    CHECK(fit.iterations >= 1 && fit.iterations < 50);
    static const double shrunk[] = {0.09965, 0.06105, 0.07722, 0.03239, 0.15815, 0.03711};
    for (int i = 0; i < 6; i++) {
        CHECK_NEAR(as__shrunk_rate(c[i].k, c[i].n, fit.alpha, fit.beta), shrunk[i], 5e-6);
        CHECK_REL(as__shrunk_rate(c[i].k, c[i].n, fit.alpha, fit.beta), bb_shrunk_ref[i], 1e-6);
    }
    double lo, hi;
    as__credible_interval(11, 104, BB_ALPHA, BB_BETA, 0.95, &lo, &hi);
    CHECK_REL(lo, BB_CRED_LO, 1e-12);
    CHECK_REL(hi, BB_CRED_HI, 1e-12);
}

/* Deterministic generator for the simulations (splitmix64). */
static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;
static double uniform(void) {
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    return ((double)(z >> 11) + 0.5) * 0x1.0p-53;
}

/* Beta(a, b) draw by inversion through our own quantile (its accuracy is tested above). */
static double beta_draw(double a, double b) { return as__beta_quantile(a, b, uniform()); }

static int64_t binom_draw(int64_t n, double p) {
    int64_t k = 0;
    for (int64_t j = 0; j < n; j++) k += uniform() < p;
    return k;
}

static void test_fit_strength(void) {
    /* 400 units with known means between 2 % and 20 %, true rates from Beta(s·μ, s·(1 − μ)) with s = 60 */
    enum { M = 400 };
    static as_bb_count c[M];
    static double mu[M];
    const double s_true = 60.0;
    rng_state = 12345;
    for (int i = 0; i < M; i++) {
        mu[i] = 0.02 + 0.18 * uniform();
        c[i].n = 20 + (int64_t)(300 * uniform());
        c[i].k = binom_draw(c[i].n, beta_draw(s_true * mu[i], s_true * (1 - mu[i])));
    }
    double s = as__betabin_fit_strength(c, mu, M);
    CHECK_MSG(fabs(s / s_true - 1.0) <= 0.15, "strength %g, true %g", s, s_true);
    /* the plain fit on the same data (one common mean) sees more spread: a weaker prior */
    as_bb_fit fit;
    as__betabin_fit(c, M, &fit);
    CHECK(fit.method == AS_BB_ML && fit.alpha + fit.beta < s);

    /* binomial data (no over-dispersion): the likelihood climbs to the cap */
    for (int i = 0; i < M; i++) {
        mu[i] = 0.1;
        c[i].n = 200;
        c[i].k = binom_draw(200, 0.1);
    }
    CHECK(as__betabin_fit_strength(c, mu, M) >= 1e4);
    as__betabin_fit(c, M, &fit);
    CHECK(fit.method == AS_BB_MOMENTS);
    CHECK_NEAR(fit.alpha + fit.beta, AS_BB_MAX_STRENGTH, 1.0);

    /* no information */
    CHECK(as__betabin_fit_strength(c, mu, 1) == 2.0);
    for (int i = 0; i < 10; i++) c[i] = (as_bb_count){1, i % 2};
    CHECK(as__betabin_fit_strength(c, mu, 10) == 2.0);
}

static void check_fit_sane(const as_bb_count *c, size_t m, int want_method, const char *what) {
    as_bb_fit fit;
    memset(&fit, 0xff, sizeof fit);
    as__betabin_fit(c, m, &fit);
    CHECK_MSG(isfinite(fit.alpha) && isfinite(fit.beta) && fit.alpha > 0 && fit.beta > 0, "%s: alpha %g beta %g", what,
              fit.alpha, fit.beta);
    CHECK_MSG(want_method < 0 || fit.method == want_method, "%s: method %d, expected %d", what, fit.method, want_method);
    double lo, hi;
    as__credible_interval(m ? c[0].k : 0, m ? c[0].n : 1, fit.alpha, fit.beta, 0.95, &lo, &hi);
    CHECK_MSG(lo >= 0 && lo <= hi && hi <= 1, "%s: credible (%g, %g)", what, lo, hi);
}

static void test_fit_degenerate(void) {
    static const as_bb_count one[] = {{50, 5}};
    static const as_bb_count zeros[] = {{50, 0}, {20, 0}, {7, 0}};
    static const as_bb_count full[] = {{5, 5}, {3, 3}};
    static const as_bb_count ones[] = {{1, 0}, {1, 1}, {1, 0}, {1, 0}};
    static const as_bb_count same[] = {{100, 10}, {200, 20}, {300, 30}, {1000, 100}};
    static const as_bb_count wild[] = {{10, 0}, {10, 10}, {10, 0}, {10, 10}};
    as_bb_fit fit;
    as__betabin_fit(NULL, 0, &fit);
    CHECK(fit.method == AS_BB_WEAK && fit.alpha > 0 && fit.beta > 0 && isfinite(fit.alpha + fit.beta));
    check_fit_sane(one, 1, AS_BB_WEAK, "m = 1");
    as__betabin_fit(one, 1, &fit);
    CHECK_NEAR(fit.alpha, 0.2, 1e-12);   /* strength 2 at the pooled 10 % */
    check_fit_sane(zeros, 3, AS_BB_WEAK, "all k = 0");
    as__betabin_fit(zeros, 3, &fit);
    CHECK_NEAR(fit.alpha / (fit.alpha + fit.beta), 0.5 / 78.0, 1e-12);   /* half a case pulled in */
    check_fit_sane(full, 2, AS_BB_WEAK, "all k = n");
    check_fit_sane(ones, 4, AS_BB_WEAK, "all n = 1");
    check_fit_sane(same, 4, AS_BB_MOMENTS, "identical rates");
    check_fit_sane(wild, 4, -1, "rates 0 and 1 only");
    as__betabin_fit(wild, 4, &fit);
    CHECK(fit.alpha + fit.beta < 0.1);   /* almost all spread is between units */
}

/* ---- funnel limits and dispersion ---- */

static void test_funnel(void) {
    /* the issue: p0 = 0.14042 */
    CHECK_NEAR(as__funnel_limit(0.14042, 26, 0.975), 0.26672, 5e-6);
    CHECK_NEAR(as__funnel_limit(0.14042, 26, 0.999), 0.36866, 5e-6);
    /* the 0.14822 is scipy's 0.148214149 rounded up one digit too far; the exact value is in the table */
    CHECK_NEAR(as__funnel_limit(0.14042, 7592, 0.975), 0.14822, 1e-5);
    for (size_t i = 0; i < sizeof funnel_ref / sizeof *funnel_ref; i++) {
        const funnel_row *r = &funnel_ref[i];
        CHECK_MSG(rel_err(as__funnel_limit(r->p0, r->n, r->q), r->want) <= 1e-10, "funnel(%g, %lld, %g) = %.17g, want %.17g",
                  r->p0, (long long)r->n, r->q, as__funnel_limit(r->p0, r->n, r->q), r->want);
    }
    /* limits narrow towards p0 as n grows */
    CHECK(as__funnel_limit(0.1, 100, 0.999) > as__funnel_limit(0.1, 10000, 0.999));
    CHECK(as__funnel_limit(0.1, 10000, 0.999) > 0.1 && as__funnel_limit(0.1, 10000, 0.001) < 0.1);
    CHECK(as__funnel_limit(0.0, 10, 0.999) == 0.0);
    CHECK(as__funnel_limit(1.0, 10, 0.999) == 1.0);
    CHECK(as__funnel_limit(0.3, 0, 0.999) == 0.3);
    /* n·p0 ≪ 1: the interpolated 97.5 % limit would be negative; it stays at p0 (and the lower one too) */
    CHECK(as__funnel_limit(0.00115, 3, 0.975) == 0.00115);
    CHECK(as__funnel_limit(0.00115, 3, 0.025) == 0.0);
    CHECK(as__funnel_limit(0.00115, 3, 0.999) > 0.00115);
}

static void test_dispersion(void) {
    /* tests/reference/quality_stats_reference.py: the same estimator in numpy, Paule–Mandel solved by brentq. Unit
     * 13 (60 of 120 against 0.1) is the outlier the MAD rule drops; units 3 and 10 fail the 5-expected-cases rule. */
    static const as_bb_count c[] = {{50, 3}, {80, 10}, {20, 0}, {100, 25}, {60, 7}, {40, 2}, {150, 40}, {70, 5},
                                    {90, 12}, {30, 1}, {75, 9}, {110, 30}, {120, 60}, {130, 14}, {95, 8}, {105, 11}};
    static const double p0[] = {0.08, 0.1, 0.05, 0.12, 0.1, 0.06, 0.15, 0.08, 0.1, 0.05, 0.1, 0.2, 0.1, 0.1, 0.1, 0.1};
    double scratch[3 * 16];
    double tau2 = as__dispersion_logit(c, p0, 16, 20, 3, scratch);
    CHECK_REL(tau2, DISP_TAU2, 1e-9);
    CHECK_REL(as__funnel_limit_logit(0.1, 80, 0.999, tau2), DISP_LOGIT_LIMIT, 1e-10);
    CHECK(as__funnel_limit_logit(0.1, 80, 0.999, 0.0) == as__funnel_limit(0.1, 80, 0.999));
    CHECK(as__funnel_limit_logit(0.1, 80, 0.999, 4.0) > as__funnel_limit_logit(0.1, 80, 0.999, tau2));
    CHECK(as__funnel_limit_logit(0.1, 80, 0.001, 4.0) < as__funnel_limit(0.1, 80, 0.001));   /* lower limits widen too */
    CHECK(as__funnel_limit_logit(0.1, 80, 0.999, 100.0) < 1.0);
    /* the outlier does not widen the band: making it more extreme (60 → 110 of 120) changes nothing */
    as_bb_count c12[16];
    memcpy(c12, c, sizeof c12);
    c12[12].k = 110;
    CHECK(as__dispersion_logit(c12, p0, 16, 20, 3, scratch) == tau2);
    /* too few usable units: not estimable; min_n excludes small units */
    CHECK(as__dispersion_logit(c, p0, 16, 20, 20, scratch) == -1.0);
    CHECK(as__dispersion_logit(c, p0, 16, 1000, 1, scratch) == -1.0);
    CHECK(as__dispersion_logit(c, p0, 0, 20, 1, scratch) == -1.0);
    /* binomial-looking data: no spread beyond noise */
    static const as_bb_count c2[] = {{1000, 100}, {1000, 99}, {1000, 101}, {1000, 100}, {1000, 98}, {1000, 102}};
    static const double p2[] = {0.1, 0.1, 0.1, 0.1, 0.1, 0.1};
    CHECK(as__dispersion_logit(c2, p2, 6, 20, 3, scratch) == 0.0);
    /* a real spread of the logits (σ = 0.5, n = 2000 each) is recovered within a quarter */
    as_bb_count c3[400];
    double p3[400], sc3[3 * 400];
    uint64_t rng = 12345;
    for (int i = 0; i < 400; i++) {
        double u1 = 0, u2 = 0;
        rng = rng * 6364136223846793005ULL + 1442695040888963407ULL; u1 = ((rng >> 11) + 0.5) / 9007199254740992.0;
        rng = rng * 6364136223846793005ULL + 1442695040888963407ULL; u2 = ((rng >> 11) + 0.5) / 9007199254740992.0;
        double e = 0.5 * sqrt(-2 * log(u1)) * cos(6.283185307179586 * u2);
        double p = 1.0 / (1.0 + exp(-(log(0.1 / 0.9) + e)));
        int64_t kk = 0;
        for (int j = 0; j < 2000; j++) {
            rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
            kk += ((rng >> 11) + 0.5) / 9007199254740992.0 < p;
        }
        c3[i] = (as_bb_count){2000, kk};
        p3[i] = 0.1;
    }
    double t3 = as__dispersion_logit(c3, p3, 400, 20, 10, sc3);
    CHECK_MSG(sqrt(t3) > 0.375 && sqrt(t3) < 0.625, "tau %g for a true 0.5", sqrt(t3));
}

/* ---- CUSUM ---- */

static void test_cusum(void) {
    double ws, wf;
    as__cusum_weights(0.05, 0.10, &ws, &wf);
    CHECK_NEAR(ws, 0.69315, 5e-6);
    CHECK_NEAR(wf, -0.05407, 5e-6);
    CHECK_REL(ws, CUSUM_WS, 1e-15);
    CHECK_REL(wf, CUSUM_WF, 1e-14);

    /* 200 observations at 5 %, then a shift to 30 % at index 200 */
    enum { N = 400 };
    unsigned char x[N];
    memset(x, 0, sizeof x);
    for (int i = 5; i < 200; i += 20) x[i] = 1;   /* ten scattered cases, 5 %; the last (185) decays by 198 */
    rng_state = 777;
    for (int i = 200; i < N; i++) x[i] = uniform() < 0.3;
    x[200] = 1;
    double peak;
    int64_t onset = as__cusum_onset(x, N, 0.05, 0.10, &peak);
    CHECK_MSG(onset >= 197 && onset <= 205, "onset %lld", (long long)onset);
    CHECK(peak > 10.0);

    /* all zeros: S never leaves 0 */
    memset(x, 0, sizeof x);
    CHECK(as__cusum_onset(x, N, 0.05, 0.10, &peak) == -1);
    CHECK(peak == 0.0);
    CHECK(as__cusum_onset(x, 0, 0.05, 0.10, &peak) == -1);

    /* ties, by hand: S = 0.693 at index 1 (the first peak, onset 1), back to 0 after 13 failures
     * (12·0.054 < 0.693 < 13·0.054); S at 20 equals the old peak (not a new maximum), S at 21 = 2·0.693 is the
     * maximum, first reached there; the onset is the index after the last zero before it. */
    memset(x, 0, 60);
    x[1] = 1;
    x[20] = x[21] = 1;
    onset = as__cusum_onset(x, 60, 0.05, 0.10, &peak);
    CHECK(onset == 20);   /* S is 0 from index 14 (13 failures after the case at 1) to 19 */
    CHECK_NEAR(peak, 2 * ws, 1e-12);
    x[50] = x[51] = 1;    /* the same peak again later: the first attainment keeps the onset */
    CHECK(as__cusum_onset(x, 60, 0.05, 0.10, &peak) == 20);
    x[52] = 1;            /* a higher one moves it */
    CHECK(as__cusum_onset(x, 60, 0.05, 0.10, &peak) == 50);
    /* an invalid design (p1 ≤ p0) never alarms and never returns NaN */
    CHECK(as__cusum_onset(x, 60, 0.10, 0.05, &peak) == -1 && peak == 0.0);
}

int main(void) {
    RUN(test_beta_inc);
    RUN(test_beta_quantile);
    RUN(test_binom);
    RUN(test_norm_quantile);
    RUN(test_intervals);
    RUN(test_betabin_fit);
    RUN(test_fit_strength);
    RUN(test_fit_degenerate);
    RUN(test_funnel);
    RUN(test_dispersion);
    RUN(test_cusum);
    return test_report("test_quality_stats");
}
