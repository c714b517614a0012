/*
 * mtdetect._core: the inner loops of the tokenizer, the evidence tables, the tagger and the
 * sentence features, in C.
 *
 * Every function but the tokenizer takes numpy arrays (any object with the buffer protocol,
 * C-contiguous, of the documented item size) and writes into a caller-allocated output
 * array; the searches allocate only a small scratch buffer per call, and no Python object is
 * created per element. The tokenizer returns the Token objects themselves. The numpy (and
 * regex) implementations in mtdetect/text.py, mtdetect/evidence/,
 * mtdetect/tagger/candidates.py, mtdetect/tagger/trees.py, mtdetect/classifier/style.py and
 * mtdetect/classifier/features.py compute the same results and stay the reference: the tests
 * compare the two.
 *
 *   lookup(slots, n_buckets, seed, keys, out_codes)        count codes of uint64 keys
 *   slots_of(slots, n_buckets, seed, keys, out_slots)      slot index of keys (-1 absent)
 *   ngram_counts(slots, n_buckets, seed, lut, a, b, c, out)
 *                                                          counts of pairs or triples of ids
 *   kn_triples(tables, c2, c1, w, backward, out)           Kneser-Ney ln P(w | c2 c1)
 *   gather_search(tables, (ids, prev2, prev1, next1, next2), pos, mode, fixed,
 *                 (off_a, ids_a, flags_a, key_a, k_a), (off_b, ids_b, flags_b, key_b, k_b),
 *                 options, drop, num_id, (thes_off, prior_by_degree, tortured),
 *                 (gain, best, tried, flags), min_score)
 *                                                          a candidate search, candidates included
 *   pair_search(tables, thes_off, thes_ids, thes_flags, prior_by_degree, tortured, left, ids,
 *               prev2, prev1, next1, k, shortlist, gain, best, tried, flags)
 *                                                          best pair swap per word pair
 *   style_hashes(sentences, out)                           CRC-32 of each style token
 *   tree_sum(X, n_features, feature, threshold, left, right, value, roots, out)
 *   tokenize(text, start, end, offset, token_type, kinds)  tokens of a plain text (no URLs)
 *   segment_stats(values, owner, sums, counts, mins, maxs)
 *                                                          sum, count, min, max per segment
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#define GOLDEN 0x9E3779B97F4A7C15ULL
#define C1 0xBF58476D1CE4E5B9ULL
#define C2 0x94D049BB133111EBULL
#define ALT 0xD6E8FEB86659FD93ULL
#define ID_BITS 21
#define BUCKET 4

/* --- buffers ------------------------------------------------------------------------- */

typedef struct {
    Py_buffer view;
    int held;
} Buf;

static int get_buf(PyObject *obj, Buf *b, Py_ssize_t itemsize, int writable, const char *name)
{
    int flags = PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | (writable ? PyBUF_WRITABLE : 0);
    b->held = 0;
    if (PyObject_GetBuffer(obj, &b->view, flags) < 0) {
        return -1;
    }
    b->held = 1;
    if (b->view.itemsize != itemsize) {
        PyErr_Format(PyExc_TypeError, "%s: expected items of %zd bytes, got %zd", name,
                     itemsize, b->view.itemsize);
        return -1;
    }
    return 0;
}

static void release(Buf *bufs, int n)
{
    for (int i = 0; i < n; i++) {
        if (bufs[i].held) {
            PyBuffer_Release(&bufs[i].view);
            bufs[i].held = 0;
        }
    }
}

#define LEN(b) ((b).view.len / (b).view.itemsize)

/* --- the cuckoo tables (see mtdetect.evidence.CountTable) ------------------------------ */

static inline uint64_t mix(uint64_t x)
{
    uint64_t z = x + GOLDEN;
    z = (z ^ (z >> 30)) * C1;
    z = (z ^ (z >> 27)) * C2;
    return z ^ (z >> 31);
}

/* A key's two buckets and fingerprint: a probe in two steps, so that a batch of keys can
   be located first and their buckets loaded ahead (see py_pair_search). */
typedef struct {
    uint64_t b1, b2;
    uint32_t fp;
    int32_t a, b; /* what the caller probes it for (the pair search: two option indices) */
} Located;

static inline void locate(uint64_t key, uint64_t nb, uint64_t seed, Located *out)
{
    uint64_t k = key ^ seed;
    uint64_t h = mix(k);
    uint64_t b1 = ((h & 0xFFFFFFFFULL) * nb) >> 32;
    uint64_t b2 = ((h >> 32) * nb) >> 32;
    uint32_t fp = (uint32_t)((k * ALT) >> 40);
    if (fp == 0) {
        fp = 1;
    }
    if (b2 == b1) {
        b2 = (b1 + 1) % nb;
    }
    out->b1 = b1;
    out->b2 = b2;
    out->fp = fp;
}

static inline int64_t probe_located(const uint32_t *slots, const Located *l)
{
    const uint32_t *s = slots + l->b1 * BUCKET;
    for (int i = 0; i < BUCKET; i++) {
        if ((s[i] >> 8) == l->fp) {
            return (int64_t)(l->b1 * BUCKET + i);
        }
    }
    s = slots + l->b2 * BUCKET;
    for (int i = 0; i < BUCKET; i++) {
        if ((s[i] >> 8) == l->fp) {
            return (int64_t)(l->b2 * BUCKET + i);
        }
    }
    return -1;
}

/* Flat slot index of key, or -1. */
static inline int64_t find_slot(const uint32_t *slots, uint64_t nb, uint64_t seed, uint64_t key)
{
    Located l;
    locate(key, nb, seed, &l);
    return probe_located(slots, &l);
}

/* slots_of (mode 0: slot index, int64) and lookup (mode 1: count code, uint8): the same
   arguments, the same probe. */
static PyObject *probe_keys(PyObject *args, int mode, const char *name)
{
    PyObject *o_slots, *o_keys, *o_out;
    unsigned long long nb, seed;
    Buf b[3];
    memset(b, 0, sizeof(b));
    if (!PyArg_ParseTuple(args, "OKKOO", &o_slots, &nb, &seed, &o_keys, &o_out)) {
        return NULL;
    }
    if (get_buf(o_slots, &b[0], 4, 0, "slots") < 0 || get_buf(o_keys, &b[1], 8, 0, "keys") < 0 ||
        get_buf(o_out, &b[2], mode == 0 ? 8 : 1, 1, "out") < 0) {
        release(b, 3);
        return NULL;
    }
    Py_ssize_t n = LEN(b[1]);
    if (LEN(b[2]) != n || (uint64_t)LEN(b[0]) != nb * BUCKET || nb == 0) {
        release(b, 3);
        PyErr_Format(PyExc_ValueError, "%s: array sizes do not match", name);
        return NULL;
    }
    const uint32_t *slots = (const uint32_t *)b[0].view.buf;
    const uint64_t *keys = (const uint64_t *)b[1].view.buf;
    Py_BEGIN_ALLOW_THREADS
    if (mode == 0) {
        int64_t *out = (int64_t *)b[2].view.buf;
        for (Py_ssize_t i = 0; i < n; i++) {
            out[i] = find_slot(slots, nb, seed, keys[i]);
        }
    } else {
        uint8_t *out = (uint8_t *)b[2].view.buf;
        for (Py_ssize_t i = 0; i < n; i++) {
            int64_t s = find_slot(slots, nb, seed, keys[i]);
            out[i] = s < 0 ? 0 : (uint8_t)(slots[s] & 0xFF);
        }
    }
    Py_END_ALLOW_THREADS
    release(b, 3);
    Py_RETURN_NONE;
}

static PyObject *py_slots_of(PyObject *self, PyObject *args)
{
    return probe_keys(args, 0, "slots_of");
}

static PyObject *py_lookup(PyObject *self, PyObject *args)
{
    return probe_keys(args, 1, "lookup");
}

/* --- interpolated Kneser-Ney (see mtdetect.evidence.Evidence.lm_triples) -------------- */

static inline uint64_t pack2(int64_t a, int64_t b)
{
    return ((uint64_t)a << ID_BITS) | (uint64_t)b;
}

/* ngram_counts(slots, n_buckets, seed, lut, a, b, c, out): the count (lut[code]) of each
   pair (a b), or triple (a b c) when c is not empty, packed as mtdetect.evidence.pack_keys
   does; 0.0 where any id is negative (see Evidence._ngram_ids). */
static PyObject *py_ngram_counts(PyObject *self, PyObject *args)
{
    PyObject *o_slots, *o_lut, *o_a, *o_b, *o_c, *o_out;
    unsigned long long nb, seed;
    if (!PyArg_ParseTuple(args, "OKKOOOOO", &o_slots, &nb, &seed, &o_lut, &o_a, &o_b, &o_c,
                          &o_out)) {
        return NULL;
    }
    Buf b[6];
    memset(b, 0, sizeof(b));
    if (get_buf(o_slots, &b[0], 4, 0, "slots") < 0 || get_buf(o_lut, &b[1], 8, 0, "lut") < 0 ||
        get_buf(o_a, &b[2], 8, 0, "a") < 0 || get_buf(o_b, &b[3], 8, 0, "b") < 0 ||
        get_buf(o_c, &b[4], 8, 0, "c") < 0 || get_buf(o_out, &b[5], 8, 1, "out") < 0) {
        release(b, 6);
        return NULL;
    }
    Py_ssize_t n = LEN(b[5]);
    int three = LEN(b[4]) > 0;
    if ((uint64_t)LEN(b[0]) != nb * BUCKET || nb == 0 || LEN(b[1]) != 256 || LEN(b[2]) != n ||
        LEN(b[3]) != n || (three && LEN(b[4]) != n)) {
        release(b, 6);
        PyErr_SetString(PyExc_ValueError, "ngram_counts: array sizes do not match");
        return NULL;
    }
    const uint32_t *slots = (const uint32_t *)b[0].view.buf;
    const double *lut = (const double *)b[1].view.buf;
    const int64_t *x = (const int64_t *)b[2].view.buf;
    const int64_t *y = (const int64_t *)b[3].view.buf;
    const int64_t *z = (const int64_t *)b[4].view.buf;
    double *out = (double *)b[5].view.buf;
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t i = 0; i < n; i++) {
        if (x[i] < 0 || y[i] < 0 || (three && z[i] < 0)) {
            out[i] = 0.0;
            continue;
        }
        uint64_t key = pack2(x[i], y[i]);
        if (three) {
            key = (key << ID_BITS) | (uint64_t)z[i];
        }
        int64_t s = find_slot(slots, nb, seed, key);
        out[i] = lut[s < 0 ? 0 : (slots[s] & 0xFF)];
    }
    Py_END_ALLOW_THREADS
    release(b, 6);
    Py_RETURN_NONE;
}

typedef struct {
    const uint32_t *bs, *ts;
    uint64_t bnb, bseed, tnb, tseed;
    const uint8_t *fan_right, *fan_left;
    const double *lut;
    const float *kl, *kr, *km, *kml, *kmr;
    int64_t nv;
    double d2, d3, norm_left, norm_right;
} KN;

/* Bigram slots already looked up for one position of a candidate search: the window of
   every candidate shares the pairs (p2 p1) and (n1 n2), and each candidate x probes (p1 x)
   and (x n1) twice. A probe is a random memory access; a hit here is a few compares. */
#define SLOT_CACHE 8
typedef struct {
    uint64_t key[SLOT_CACHE];
    int64_t slot[SLOT_CACHE];
    int n;
} SlotCache;

static inline int64_t bigram_slot(const KN *m, SlotCache *cache, uint64_t key)
{
    if (cache == NULL) {
        return find_slot(m->bs, m->bnb, m->bseed, key);
    }
    for (int i = 0; i < cache->n; i++) {
        if (cache->key[i] == key) {
            return cache->slot[i];
        }
    }
    int64_t s = find_slot(m->bs, m->bnb, m->bseed, key);
    if (cache->n < SLOT_CACHE) {
        cache->key[cache->n] = key;
        cache->slot[cache->n] = s;
        cache->n++;
    }
    return s;
}

/* Interpolated Kneser-Ney in its three levels. A candidate search scores many words x in one
   context, and the levels of a term that do not depend on x are computed once per position;
   kn_logp_c puts the levels together for one term. Backward reads the context c1 c2 as the
   words after w. Ids must be normalised first (kn_norm: an id past the vocabulary is
   unknown). */
static inline int64_t kn_norm(const KN *m, int64_t id)
{
    return id >= m->nv ? -1 : id;
}

/* The unigram level of w. */
static inline double kn_uni(const KN *m, int64_t w, int backward)
{
    double cont = w >= 0 ? (backward ? (double)m->kr[w] : (double)m->kl[w]) : 0.0;
    return (cont > 0.5 ? cont : 0.5) / (backward ? m->norm_right : m->norm_left);
}

/* The bigram context c1: its continuation count and back-off weight d2 * other / count. */
typedef struct {
    double mid, back;
} Ctx2;

static inline Ctx2 kn_ctx2(const KN *m, int64_t c1, int backward)
{
    Ctx2 r = {0.0, 0.0};
    if (c1 >= 0) {
        r.mid = (double)m->km[c1];
        if (r.mid > 0) {
            double other = backward ? (double)m->kml[c1] : (double)m->kmr[c1];
            r.back = m->d2 * other / r.mid;
        }
    }
    return r;
}

/* The bigram level of w next to c1 (context k), over the unigram level p1. */
static inline double kn_bi(const KN *m, SlotCache *cache, Ctx2 k, int64_t c1, int64_t w,
                           double p1, int backward)
{
    if (!(c1 >= 0 && k.mid > 0)) {
        return p1;
    }
    double fan = 0.0;
    if (w >= 0) {
        int64_t s = bigram_slot(m, cache, backward ? pack2(w, c1) : pack2(c1, w));
        if (s >= 0) {
            fan = backward ? m->lut[m->fan_right[s]] : m->lut[m->fan_left[s]];
        }
    }
    double num = fan - m->d2 > 0 ? fan - m->d2 : 0.0;
    return num / k.mid + k.back * p1;
}

/* The trigram context (c2 c1): its count and the back-off weight d3 * fan-out / count. */
typedef struct {
    double ctx, back;
} Ctx3;

static inline Ctx3 kn_ctx3(const KN *m, SlotCache *cache, int64_t c2, int64_t c1, int backward)
{
    Ctx3 r = {0.0, 0.0};
    if (c1 < 0 || c2 < 0) {
        return r;
    }
    int64_t s = bigram_slot(m, cache, backward ? pack2(c1, c2) : pack2(c2, c1));
    r.ctx = s >= 0 ? m->lut[m->bs[s] & 0xFF] : 0.0;
    if (r.ctx > 0) {
        r.back = m->d3 * (backward ? m->lut[m->fan_left[s]] : m->lut[m->fan_right[s]]) / r.ctx;
    }
    return r;
}

/* ln of the trigram level of w next to (c2 c1) with context k, over the bigram level p2. */
static inline double kn_tri(const KN *m, Ctx3 k, int64_t c2, int64_t c1, int64_t w, double p2,
                            int backward)
{
    double p3 = p2;
    if (k.ctx > 0) {
        double c3 = 0.0;
        if (w >= 0) {
            uint64_t key = backward ? ((pack2(w, c1) << ID_BITS) | (uint64_t)c2)
                                    : ((pack2(c2, c1) << ID_BITS) | (uint64_t)w);
            int64_t t = find_slot(m->ts, m->tnb, m->tseed, key);
            c3 = t >= 0 ? m->lut[m->ts[t] & 0xFF] : 0.0;
        }
        double num = c3 - m->d3 > 0 ? c3 - m->d3 : 0.0;
        p3 = num / k.ctx + k.back * p2;
    }
    if (p3 < 1e-12) {
        p3 = 1e-12;
    } else if (p3 > 1.0) {
        p3 = 1.0;
    }
    return log(p3);
}

/* ln P(w | c2 c1). ``cache`` (or NULL) remembers bigram slots between calls. */
static double kn_logp_c(const KN *m, SlotCache *cache, int64_t c2, int64_t c1, int64_t w,
                        int backward)
{
    w = kn_norm(m, w);
    c1 = kn_norm(m, c1);
    c2 = c1 < 0 ? -1 : kn_norm(m, c2);
    double p2 = kn_bi(m, cache, kn_ctx2(m, c1, backward), c1, w, kn_uni(m, w, backward),
                      backward);
    return kn_tri(m, kn_ctx3(m, cache, c2, c1, backward), c2, c1, w, p2, backward);
}

static double kn_logp(const KN *m, int64_t c2, int64_t c1, int64_t w, int backward)
{
    return kn_logp_c(m, NULL, c2, c1, w, backward);
}

/* Parse the model tables (a tuple of buffers and numbers) into a KN; bufs[10] are held. */
static int parse_kn(PyObject *tables, KN *m, Buf *bufs)
{
    PyObject *o[10];
    unsigned long long bnb, bseed, tnb, tseed;
    if (!PyArg_ParseTuple(tables, "OKKOOOKKOOOOOOdddd", &o[0], &bnb, &bseed, &o[1], &o[2],
                          &o[3], &tnb, &tseed, &o[4], &o[5], &o[6], &o[7], &o[8], &o[9],
                          &m->d2, &m->d3, &m->norm_left, &m->norm_right)) {
        return -1;
    }
    static const Py_ssize_t sizes[10] = {4, 1, 1, 4, 8, 4, 4, 4, 4, 4};
    static const char *names[10] = {"bigram", "fan_right", "fan_left", "trigram", "lut",
                                    "kn_left", "kn_right", "kn_mid", "kn_mid_left",
                                    "kn_mid_right"};
    for (int i = 0; i < 10; i++) {
        if (get_buf(o[i], &bufs[i], sizes[i], 0, names[i]) < 0) {
            return -1;
        }
    }
    m->nv = (int64_t)LEN(bufs[5]);
    if ((uint64_t)LEN(bufs[0]) != bnb * BUCKET || (uint64_t)LEN(bufs[3]) != tnb * BUCKET ||
        LEN(bufs[1]) != LEN(bufs[0]) || LEN(bufs[2]) != LEN(bufs[0]) || LEN(bufs[4]) != 256 ||
        LEN(bufs[6]) != m->nv || LEN(bufs[7]) != m->nv || LEN(bufs[8]) != m->nv ||
        LEN(bufs[9]) != m->nv || bnb == 0 || tnb == 0) {
        PyErr_SetString(PyExc_ValueError, "Kneser-Ney tables: array sizes do not match");
        return -1;
    }
    m->bs = (const uint32_t *)bufs[0].view.buf;
    m->fan_right = (const uint8_t *)bufs[1].view.buf;
    m->fan_left = (const uint8_t *)bufs[2].view.buf;
    m->ts = (const uint32_t *)bufs[3].view.buf;
    m->lut = (const double *)bufs[4].view.buf;
    m->kl = (const float *)bufs[5].view.buf;
    m->kr = (const float *)bufs[6].view.buf;
    m->km = (const float *)bufs[7].view.buf;
    m->kml = (const float *)bufs[8].view.buf;
    m->kmr = (const float *)bufs[9].view.buf;
    m->bnb = bnb;
    m->bseed = bseed;
    m->tnb = tnb;
    m->tseed = tseed;
    return 0;
}

static PyObject *py_kn_triples(PyObject *self, PyObject *args)
{
    PyObject *tables, *oc2, *oc1, *ow, *oout;
    int backward;
    if (!PyArg_ParseTuple(args, "OOOOpO", &tables, &oc2, &oc1, &ow, &backward, &oout)) {
        return NULL;
    }
    KN m;
    Buf t[10], b[4];
    memset(t, 0, sizeof(t));
    memset(b, 0, sizeof(b));
    if (parse_kn(tables, &m, t) < 0 || get_buf(oc2, &b[0], 8, 0, "c2") < 0 ||
        get_buf(oc1, &b[1], 8, 0, "c1") < 0 || get_buf(ow, &b[2], 8, 0, "w") < 0 ||
        get_buf(oout, &b[3], 8, 1, "out") < 0) {
        release(t, 10);
        release(b, 4);
        return NULL;
    }
    Py_ssize_t n = LEN(b[2]);
    if (LEN(b[0]) != n || LEN(b[1]) != n || LEN(b[3]) != n) {
        release(t, 10);
        release(b, 4);
        PyErr_SetString(PyExc_ValueError, "kn_triples: array sizes do not match");
        return NULL;
    }
    const int64_t *c2 = (const int64_t *)b[0].view.buf;
    const int64_t *c1 = (const int64_t *)b[1].view.buf;
    const int64_t *w = (const int64_t *)b[2].view.buf;
    double *out = (double *)b[3].view.buf;
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t i = 0; i < n; i++) {
        out[i] = kn_logp(&m, c2[i], c1[i], w[i], backward);
    }
    Py_END_ALLOW_THREADS
    release(t, 10);
    release(b, 4);
    Py_RETURN_NONE;
}

/* Sum of forward ln P of the trigrams that hold x between (p2 p1) and (n1 n2). */
static inline double window(const KN *m, SlotCache *c, int64_t p2, int64_t p1, int64_t x,
                            int64_t n1, int64_t n2)
{
    double s = kn_logp_c(m, c, p2, p1, x, 0);
    if (n1 >= 0) {
        s += kn_logp_c(m, c, p1, x, n1, 0);
    }
    if (n2 >= 0) {
        s += kn_logp_c(m, c, x, n1, n2, 0);
    }
    return s;
}

/* The best of one position's candidates cand[0..k) (with their priors) that scores at least
   `min_score`: its index (-1 when there is none) and score, the log posterior odds against the
   observed word w. Mode 0 is a swap at the position (the window p2 p1 x n1 n2), mode 1 a word
   x inserted before it (p2 p1 x w n1). min_score is a score below which a candidate changes
   nothing the caller records (-INFINITY: every candidate counts). */
static void best_candidate(const KN *m, int mode, int64_t p2, int64_t p1, int64_t w, int64_t n1,
                           int64_t n2, const int64_t *cand, const double *prior, Py_ssize_t k,
                           double min_score, int64_t *best_out, double *score_out)
{
    int64_t best = -1;
    double score = min_score;
    if (k > 0) {
        SlotCache cache;
        cache.n = 0;
        double base;
        if (mode == 0) {
            base = window(m, &cache, p2, p1, w, n1, n2);
        } else {
            base = kn_logp_c(m, &cache, p2, p1, w, 0);
            if (n1 >= 0) {
                base += kn_logp_c(m, &cache, p1, w, n1, 0);
            }
        }
        /* The window of a candidate x: (p2 p1 x), then (p1 x c) and (x c d), where (c, d)
           are the next two words (a swap) or the word and the next (an insertion). */
        int64_t c = mode == 0 ? n1 : w, d = mode == 0 ? n2 : n1;
        int second = mode == 0 ? c >= 0 : 1;
        /* What does not depend on x, once: the context (p2 p1) of the first term, the
           unigram level of c in the second, and the two lower levels of d after c in the
           third; the bigram context p1 of the first (each term as kn_logp_c normalises its
           ids). */
        int64_t q1 = kn_norm(m, p1), q2 = q1 < 0 ? -1 : kn_norm(m, p2);
        int64_t qc = kn_norm(m, c), qd = kn_norm(m, d);
        Ctx3 ctx1 = kn_ctx3(m, &cache, q2, q1, 0);
        double uni_c = kn_uni(m, qc, 0);
        double bi_d = d >= 0 ? kn_bi(m, &cache, kn_ctx2(m, qc, 0), qc, qd, kn_uni(m, qd, 0), 0)
                             : 0.0;
        Ctx2 ctx2 = kn_ctx2(m, q1, 0);
        /* Keep the position's pairs; each candidate's own pairs go after them. */
        int kept = cache.n;
        for (Py_ssize_t i = 0; i < k; i++) {
            cache.n = kept;
            /* Every term is a log-probability (<= 0): once the sum so far cannot reach
               min_score or beat the best candidate, the rest is skipped (rounding is monotonic,
               so the bound holds in floating point; a candidate that only ties never
               replaces the first). */
            if (prior[i] - base < score) {
                continue;
            }
            int64_t x = kn_norm(m, cand[i]);
            double sc = kn_tri(m, ctx1, q2, q1, x, kn_bi(m, &cache, ctx2, q1, x, kn_uni(m, x, 0), 0),
                               0);
            if (sc - base + prior[i] < score) {
                continue;
            }
            /* (p1 x) is a context only when x is a known word */
            int64_t r1 = x < 0 ? -1 : q1;
            if (second) {
                double b = kn_bi(m, &cache, kn_ctx2(m, x, 0), x, qc, uni_c, 0);
                sc += kn_tri(m, kn_ctx3(m, &cache, r1, x, 0), r1, x, qc, b, 0);
                if (sc - base + prior[i] < score) {
                    continue;
                }
            }
            if (d >= 0) {
                int64_t rx = qc < 0 ? -1 : x;
                sc += kn_tri(m, kn_ctx3(m, &cache, rx, qc, 0), rx, qc, qd, bi_d, 0);
            }
            sc = sc - base + prior[i];
            if (best < 0 ? sc >= score : sc > score) {
                best = i;
                score = sc;
            }
        }
    }
    *best_out = best;
    *score_out = score;
}

/* --- pair search (see mtdetect.tagger.candidates.pair_substitutions) ------------------ */

#define MAX_OPTIONS 256
#define MAX_SHORTLIST 64
/* Probes whose buckets are loaded ahead of the one being read. */
#define PAIR_AHEAD 32

typedef struct {
    double count;
    int32_t a, b; /* option indices */
} Combo;

/* The first k entries [lo, hi) of row `key` of a ragged table (offsets off[0..n_off) into
   n_items entries; see mtdetect.evidence.base._ragged_rows); empty for a key without a row. Rows
   are read, never trusted: a range outside the entries is cut to them. */
static inline void row_range(const uint32_t *off, Py_ssize_t n_off, Py_ssize_t n_items,
                             int64_t key, Py_ssize_t k, Py_ssize_t *lo, Py_ssize_t *hi)
{
    *lo = *hi = 0;
    if (key < 0 || key >= n_off - 1) {
        return;
    }
    Py_ssize_t a = off[key], b = off[key + 1];
    if (b > n_items) {
        b = n_items;
    }
    if (b - a > k) {
        b = a + k;
    }
    if (a < b) {
        *lo = a;
        *hi = b;
    }
}

/* The options of one word: itself, then its first k thesaurus neighbours (ids, flags). */
static int word_options(int64_t w, const uint32_t *off, Py_ssize_t n_off, const uint32_t *nb,
                        Py_ssize_t n_nb, const uint8_t *fl, Py_ssize_t k, int64_t *ids,
                        uint8_t *flags)
{
    ids[0] = w;
    flags[0] = 0;
    int n = 1;
    Py_ssize_t lo, hi;
    row_range(off, n_off, n_nb, w, k, &lo, &hi);
    for (Py_ssize_t q = lo; q < hi && n < MAX_OPTIONS; q++) {
        ids[n] = (int64_t)nb[q];
        flags[n] = fl ? fl[q] : 0;
        n++;
    }
    return n;
}

/* The spinner prior of an original (see mtdetect.tagger.candidates.swap_prior), from the table of
   priors by thesaurus degree. */
static inline double option_prior(int64_t x, uint8_t flag, const uint32_t *off, Py_ssize_t n_off,
                                  const double *by_degree, Py_ssize_t n_deg, int tortured)
{
    int64_t safe = x < 0 ? 0 : (x > n_off - 2 ? n_off - 2 : x);
    int64_t degree = (int64_t)off[safe + 1] - (int64_t)off[safe];
    if (degree < 1) {
        degree = 1;
    }
    if (flag & tortured) {
        degree = 2;
    }
    if (degree >= n_deg) {
        degree = n_deg - 1;
    }
    return by_degree[degree];
}

/* pair_search(tables, thes_off, thes_ids, thes_flags, prior_by_degree, tortured_flag, left,
   ids, prev2, prev1, next1, k, shortlist, gain, best, tried, flags): for each pair of words
   (p, p + 1) at p in left (in order), every combination of their options is ranked by how
   often the pair occurs; the `shortlist` most frequent (ties: product order) are scored in
   context and the best, if it gains, is written on both words (see _pair_block). */
static PyObject *py_pair_search(PyObject *self, PyObject *args)
{
    PyObject *tables, *o[15];
    int tortured;
    Py_ssize_t k, shortlist;
    if (!PyArg_ParseTuple(args, "OOOOOiOOOOOnnOOOO", &tables, &o[0], &o[1], &o[2], &o[3],
                          &tortured, &o[4], &o[5], &o[6], &o[7], &o[8], &k, &shortlist, &o[9],
                          &o[10], &o[11], &o[12])) {
        return NULL;
    }
    static const Py_ssize_t sizes[13] = {4, 4, 1, 8, 8, 8, 8, 8, 8, 8, 8, 1, 1};
    static const char *names[13] = {"thes_off", "thes_ids", "thes_flags", "prior_by_degree",
                                    "left", "ids", "prev2", "prev1", "next1", "gain", "best",
                                    "tried", "flags"};
    KN m;
    Buf t[10], b[13];
    memset(t, 0, sizeof(t));
    memset(b, 0, sizeof(b));
    if (parse_kn(tables, &m, t) < 0) {
        release(t, 10);
        return NULL;
    }
    for (int i = 0; i < 13; i++) {
        if (get_buf(o[i], &b[i], sizes[i], i >= 9, names[i]) < 0) {
            release(t, 10);
            release(b, 13);
            return NULL;
        }
    }
    Py_ssize_t n_off = LEN(b[0]), n_nb = LEN(b[1]), n_deg = LEN(b[3]), n_left = LEN(b[4]);
    Py_ssize_t n = LEN(b[5]);
    const uint32_t *off = (const uint32_t *)b[0].view.buf;
    const int64_t *left = (const int64_t *)b[4].view.buf;
    int ok = (LEN(b[2]) == n_nb || LEN(b[2]) == 0) && n_deg >= 3 && n_off >= 2 && k >= 0 &&
             k < MAX_OPTIONS && shortlist >= 1 && shortlist <= MAX_SHORTLIST;
    for (int i = 6; i <= 12; i++) {
        ok = ok && LEN(b[i]) == n;
    }
    for (Py_ssize_t j = 0; ok && j < n_left; j++) {
        ok = left[j] >= 0 && left[j] < n - 1;
    }
    if (!ok) {
        release(t, 10);
        release(b, 13);
        PyErr_SetString(PyExc_ValueError, "pair_search: array sizes do not match");
        return NULL;
    }
    const uint32_t *nbr = (const uint32_t *)b[1].view.buf;
    const uint8_t *nfl = LEN(b[2]) ? (const uint8_t *)b[2].view.buf : NULL; /* NULL: no flags */
    const double *by_degree = (const double *)b[3].view.buf;
    const int64_t *ids = (const int64_t *)b[5].view.buf;
    const int64_t *prev2 = (const int64_t *)b[6].view.buf;
    const int64_t *prev1 = (const int64_t *)b[7].view.buf;
    const int64_t *next1 = (const int64_t *)b[8].view.buf;
    double *gain = (double *)b[9].view.buf;
    int64_t *best = (int64_t *)b[10].view.buf;
    uint8_t *tried = (uint8_t *)b[11].view.buf;
    uint8_t *flags = (uint8_t *)b[12].view.buf;
    /* Every combination of two words' options (each word and its first k neighbours). */
    Located *probes = PyMem_RawMalloc(sizeof(Located) * (size_t)(k + 1) * (size_t)(k + 1));
    if (probes == NULL) {
        release(t, 10);
        release(b, 13);
        return PyErr_NoMemory();
    }
    Py_BEGIN_ALLOW_THREADS
    int64_t oa[MAX_OPTIONS], ob[MAX_OPTIONS];
    uint8_t fa[MAX_OPTIONS], fb[MAX_OPTIONS];
    Combo top[MAX_SHORTLIST];
    SlotCache cache;
    for (Py_ssize_t j = 0; j < n_left; j++) {
        int64_t p = left[j];
        if (p < 0 || p >= n - 1) {
            continue; /* checked above; read again in case the caller changed it since */
        }
        int na = word_options(ids[p], off, n_off, nbr, n_nb, nfl, k, oa, fa);
        int nb = word_options(ids[p + 1], off, n_off, nbr, n_nb, nfl, k, ob, fb);
        if (na < 2 && nb < 2) {
            continue; /* neither word has a neighbour: nothing to pair */
        }
        /* The most frequent seen combinations, in order of count then product order. The
           probes of all combinations are independent: their buckets are located first and
           loaded PAIR_AHEAD probes ahead, so that cache misses overlap. */
        int n_key = 0;
        for (int ia = 0; ia < na; ia++) {
            for (int ib = 0; ib < nb; ib++) {
                if ((ia == 0 && ib == 0) || oa[ia] < 0 || ob[ib] < 0) {
                    continue; /* the observed pair itself, or no word */
                }
                locate(pack2(oa[ia], ob[ib]), m.bnb, m.bseed, &probes[n_key]);
                probes[n_key].a = ia;
                probes[n_key].b = ib;
                n_key++;
            }
        }
        for (int q = 0; q < n_key && q < PAIR_AHEAD; q++) {
            __builtin_prefetch(m.bs + probes[q].b1 * BUCKET);
            __builtin_prefetch(m.bs + probes[q].b2 * BUCKET);
        }
        int n_top = 0;
        for (int kq = 0; kq < n_key; kq++) {
            if (kq + PAIR_AHEAD < n_key) {
                __builtin_prefetch(m.bs + probes[kq + PAIR_AHEAD].b1 * BUCKET);
                __builtin_prefetch(m.bs + probes[kq + PAIR_AHEAD].b2 * BUCKET);
            }
            int64_t s = probe_located(m.bs, &probes[kq]);
            double c = s < 0 ? 0.0 : m.lut[m.bs[s] & 0xFF];
            if (!(c > 0)) {
                continue;
            }
            int at = n_top;
            while (at > 0 && top[at - 1].count < c) {
                at--;
            }
            if (at >= shortlist) {
                continue;
            }
            int last = n_top < shortlist ? n_top : (int)shortlist - 1;
            for (int q = last; q > at; q--) {
                top[q] = top[q - 1];
            }
            top[at].count = c;
            top[at].a = probes[kq].a;
            top[at].b = probes[kq].b;
            if (n_top < shortlist) {
                n_top++;
            }
        }
        if (n_top == 0) {
            continue;
        }
        int64_t p2 = prev2[p], p1 = prev1[p], nx = next1[p + 1];
        cache.n = 0;
        double base = kn_logp_c(&m, &cache, p2, p1, ids[p], 0);
        base += kn_logp_c(&m, &cache, p1, ids[p], ids[p + 1], 0);
        if (nx >= 0) {
            base += kn_logp_c(&m, &cache, ids[p], ids[p + 1], nx, 0);
        }
        int kept = cache.n;
        int win = -1;
        double win_score = 0.0;
        for (int q = 0; q < n_top; q++) {
            int64_t x1 = oa[top[q].a], x2 = ob[top[q].b];
            double prior = x1 != ids[p] ? option_prior(x1, fa[top[q].a], off, n_off, by_degree,
                                                       n_deg, tortured)
                                        : 0.0;
            prior += x2 != ids[p + 1] ? option_prior(x2, fb[top[q].b], off, n_off, by_degree,
                                                     n_deg, tortured)
                                      : 0.0;
            cache.n = kept;
            double sc = kn_logp_c(&m, &cache, p2, p1, x1, 0);
            sc += kn_logp_c(&m, &cache, p1, x1, x2, 0);
            if (nx >= 0) {
                sc += kn_logp_c(&m, &cache, x1, x2, nx, 0);
            }
            sc = sc - base + prior;
            if (win < 0 || sc > win_score) {
                win = q;
                win_score = sc;
            }
        }
        if (!(win_score > 0)) {
            continue;
        }
        int64_t x[2] = {oa[top[win].a], ob[top[win].b]};
        uint8_t both = fa[top[win].a] | fb[top[win].b];
        for (int e = 0; e < 2; e++) {
            int64_t at = p + e;
            if (win_score > gain[at] && x[e] != ids[at]) {
                gain[at] = win_score;
                best[at] = x[e];
                flags[at] = both;
            }
        }
        tried[p] = tried[p + 1] = 1;
    }
    Py_END_ALLOW_THREADS
    PyMem_RawFree(probes);
    release(t, 10);
    release(b, 13);
    Py_RETURN_NONE;
}

/* --- candidate searches (see mtdetect.tagger.candidates) ------------------------------ */

/* Options of gather_search. */
#define SORT_UNIQUE 1 /* candidates in increasing id order, each once */
#define DROP_SELF 2   /* never the observed word or <num> */
#define SPIN_PRIOR 4  /* the spinner prior of each candidate (swap_prior), else 0 */
#define KEEP_FLAGS 8  /* write the thesaurus flags of the best candidate */

/* The word whose row a candidate list reads: the position's own word, the next or the
   previous one. */
static inline int64_t row_key(int kind, Py_ssize_t p, const int64_t *ids, const int64_t *prev1,
                              const int64_t *next1)
{
    return kind == 0 ? ids[p] : (kind == 1 ? next1[p] : prev1[p]);
}

/* gather_search(tables, (ids, prev2, prev1, next1, next2), pos, mode, fixed,
                 (off_a, ids_a, flags_a, key_a, k_a), (off_b, ids_b, flags_b, key_b, k_b),
                 options, drop, num_id, (thes_off, prior_by_degree, tortured),
                 (gain, best, tried, flags), min_score)
   Arguments come in groups (the document's ids and contexts, each table of rows, the
   spinner prior, the outputs), which Python passes as named tuples; flags_b is not used.
   The candidate searches of mtdetect.tagger.candidates in one pass per document: for each position
   p in pos, its candidates are the ids in `fixed`, then the first k_a entries of row
   key_a(p) of table a (with its thesaurus flags_a, or none), then the first k_b of row
   key_b(p) of table b; `options` sorts them (SORT_UNIQUE), drops the words marked in `drop`
   (a byte per word id; empty for none) and the observed word (DROP_SELF), and gives them the
   spinner prior (SPIN_PRIOR). The best is chosen by best_candidate; a positive gain is
   written at p with its candidate (and flags), as mtdetect.tagger.candidates._record does, and
   tried[p] is set. Candidates that cannot reach `min_score` are not scored to the end: a gain
   of 0 or less records nothing, so 0 (or a caller's higher bar, less a margin) changes no
   output. */
static PyObject *py_gather_search(PyObject *self, PyObject *args)
{
    PyObject *tables, *o[21], *unused_flags_b;
    int mode, key_a, key_b, options, tortured;
    Py_ssize_t k_a, k_b;
    long long num_id;
    double min_score;
    if (!PyArg_ParseTuple(args, "O(OOOOO)OiO(OOOin)(OOOin)iOL(OOi)(OOOO)d", &tables,
                          &o[0], &o[1], &o[2], &o[3], &o[4],        /* the document */
                          &o[5], &mode, &o[6],                      /* pos, mode, fixed */
                          &o[7], &o[8], &o[9], &key_a, &k_a,        /* table a */
                          &o[10], &o[11], &unused_flags_b, &key_b, &k_b, /* table b */
                          &options, &o[12], &num_id,                /* options, drop */
                          &o[13], &o[14], &tortured,                /* the spinner prior */
                          &o[15], &o[16], &o[17], &o[18],           /* the outputs */
                          &min_score)) {
        return NULL;
    }
    enum { N_BUF = 19 };
    static const Py_ssize_t sizes[N_BUF] = {8, 8, 8, 8, 8, 8, 8, 4, 4, 1, 4, 4,
                                            1, 4, 8, 8, 8, 1, 1};
    static const char *names[N_BUF] = {"ids", "prev2", "prev1", "next1", "next2", "pos",
                                       "fixed", "off_a", "ids_a", "flags_a", "off_b", "ids_b",
                                       "drop", "thes_off", "prior_by_degree", "gain", "best",
                                       "tried", "flags"};
    KN m;
    Buf t[10], b[N_BUF];
    memset(t, 0, sizeof(t));
    memset(b, 0, sizeof(b));
    if (parse_kn(tables, &m, t) < 0) {
        release(t, 10);
        return NULL;
    }
    for (int i = 0; i < N_BUF; i++) {
        if (get_buf(o[i], &b[i], sizes[i], i >= 15, names[i]) < 0) {
            release(t, 10);
            release(b, N_BUF);
            return NULL;
        }
    }
    Py_ssize_t n = LEN(b[0]), npos = LEN(b[5]), n_fixed = LEN(b[6]);
    Py_ssize_t n_off_a = LEN(b[7]), n_ids_a = LEN(b[8]), n_off_b = LEN(b[10]);
    Py_ssize_t n_ids_b = LEN(b[11]), n_drop = LEN(b[12]), n_thes = LEN(b[13]);
    Py_ssize_t n_deg = LEN(b[14]);
    const int64_t *pos = (const int64_t *)b[5].view.buf;
    int ok = (mode == 0 || mode == 1) && k_a >= 0 && k_b >= 0 && key_a >= 0 && key_a <= 2 &&
             key_b >= 0 && key_b <= 2 && (LEN(b[9]) == 0 || LEN(b[9]) == n_ids_a) &&
             (!(options & SPIN_PRIOR) || (n_thes >= 2 && n_deg >= 3)) && !isnan(min_score);
    for (int i = 1; i <= 4; i++) {
        ok = ok && LEN(b[i]) == n;
    }
    for (int i = 15; i <= 18; i++) {
        ok = ok && LEN(b[i]) == n;
    }
    for (Py_ssize_t j = 0; ok && j < npos; j++) {
        ok = pos[j] >= 0 && pos[j] < n;
    }
    if (!ok) {
        release(t, 10);
        release(b, N_BUF);
        PyErr_SetString(PyExc_ValueError, "gather_search: array sizes do not match");
        return NULL;
    }
    const int64_t *ids = (const int64_t *)b[0].view.buf;
    const int64_t *prev2 = (const int64_t *)b[1].view.buf;
    const int64_t *prev1 = (const int64_t *)b[2].view.buf;
    const int64_t *next1 = (const int64_t *)b[3].view.buf;
    const int64_t *next2 = (const int64_t *)b[4].view.buf;
    const int64_t *fixed = (const int64_t *)b[6].view.buf;
    const uint32_t *off_a = (const uint32_t *)b[7].view.buf;
    const uint32_t *ids_a = (const uint32_t *)b[8].view.buf;
    const uint8_t *flags_a = LEN(b[9]) ? (const uint8_t *)b[9].view.buf : NULL;
    const uint32_t *off_b = (const uint32_t *)b[10].view.buf;
    const uint32_t *ids_b = (const uint32_t *)b[11].view.buf;
    const uint8_t *drop = (const uint8_t *)b[12].view.buf;
    const uint32_t *thes_off = (const uint32_t *)b[13].view.buf;
    const double *by_degree = (const double *)b[14].view.buf;
    double *gain = (double *)b[15].view.buf;
    int64_t *best = (int64_t *)b[16].view.buf;
    uint8_t *tried = (uint8_t *)b[17].view.buf;
    uint8_t *flags = (uint8_t *)b[18].view.buf;
    /* A row never gives more than its table's entries (also keeps cap from overflowing). */
    if (k_a > n_ids_a) {
        k_a = n_ids_a;
    }
    if (k_b > n_ids_b) {
        k_b = n_ids_b;
    }
    Py_ssize_t cap = n_fixed + k_a + k_b + 1;
    int64_t *cand = PyMem_RawMalloc(sizeof(int64_t) * cap);
    uint8_t *cfl = PyMem_RawMalloc(cap);
    double *prior = PyMem_RawMalloc(sizeof(double) * cap);
    if (cand == NULL || cfl == NULL || prior == NULL) {
        PyMem_RawFree(cand);
        PyMem_RawFree(cfl);
        PyMem_RawFree(prior);
        release(t, 10);
        release(b, N_BUF);
        return PyErr_NoMemory();
    }
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t j = 0; j < npos; j++) {
        Py_ssize_t p = pos[j], nc = 0, lo, hi;
        if (p < 0 || p >= n) {
            continue; /* checked above; read again in case the caller changed it since */
        }
        tried[p] = 1;
        for (Py_ssize_t q = 0; q < n_fixed; q++) {
            cand[nc] = fixed[q];
            cfl[nc++] = 0;
        }
        row_range(off_a, n_off_a, n_ids_a, row_key(key_a, p, ids, prev1, next1), k_a, &lo, &hi);
        for (Py_ssize_t q = lo; q < hi; q++) {
            cand[nc] = (int64_t)ids_a[q];
            cfl[nc++] = flags_a ? flags_a[q] : 0;
        }
        row_range(off_b, n_off_b, n_ids_b, row_key(key_b, p, ids, prev1, next1), k_b, &lo, &hi);
        for (Py_ssize_t q = lo; q < hi; q++) {
            cand[nc] = (int64_t)ids_b[q];
            cfl[nc++] = 0;
        }
        if (options & SORT_UNIQUE) {
            /* insertion sort (tens of candidates), then one of each */
            for (Py_ssize_t q = 1; q < nc; q++) {
                int64_t c = cand[q];
                uint8_t f = cfl[q];
                Py_ssize_t r = q;
                while (r > 0 && cand[r - 1] > c) {
                    cand[r] = cand[r - 1];
                    cfl[r] = cfl[r - 1];
                    r--;
                }
                cand[r] = c;
                cfl[r] = f;
            }
            Py_ssize_t u = 0;
            for (Py_ssize_t q = 0; q < nc; q++) {
                if (u == 0 || cand[q] != cand[u - 1]) {
                    cand[u] = cand[q];
                    cfl[u++] = cfl[q];
                }
            }
            nc = u;
        }
        Py_ssize_t kept = 0;
        for (Py_ssize_t q = 0; q < nc; q++) {
            int64_t c = cand[q];
            if (n_drop && c >= 0 && c < n_drop && drop[c]) {
                continue;
            }
            if ((options & DROP_SELF) && (c == ids[p] || c == num_id)) {
                continue;
            }
            cand[kept] = c;
            cfl[kept] = cfl[q];
            prior[kept] = (options & SPIN_PRIOR) ? option_prior(c, cfl[q], thes_off, n_thes,
                                                                by_degree, n_deg, tortured)
                                                 : 0.0;
            kept++;
        }
        int64_t win;
        double score;
        best_candidate(&m, mode, prev2[p], prev1[p], ids[p], next1[p], next2[p], cand, prior,
                       kept, min_score, &win, &score);
        if (win >= 0) {
            gain[p] = score > 0 ? score : 0.0;
            best[p] = score > 0 ? cand[win] : -1;
            if (options & KEEP_FLAGS) {
                flags[p] = score > 0 ? cfl[win] : 0;
            }
        }
    }
    Py_END_ALLOW_THREADS
    PyMem_RawFree(cand);
    PyMem_RawFree(cfl);
    PyMem_RawFree(prior);
    release(t, 10);
    release(b, N_BUF);
    Py_RETURN_NONE;
}

/* --- CRC-32 of many strings (see mtdetect.classifier.style) --------------------------- */

static uint32_t crc_table[256]; /* filled when the module is loaded */

static void crc_init(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++) {
            c = (c & 1) ? 0xEDB88320U ^ (c >> 1) : c >> 1;
        }
        crc_table[i] = c;
    }
}

/* The CRC-32 state (before the final inversion) after n more bytes, lower-cased (ASCII
   letters only: the caller lower-cases anything else itself) when `lower` is set. */
static inline uint32_t crc_more(uint32_t c, const uint8_t *p, Py_ssize_t n, int lower)
{
    for (Py_ssize_t i = 0; i < n; i++) {
        uint8_t ch = p[i];
        if (lower && ch >= 'A' && ch <= 'Z') {
            ch = (uint8_t)(ch + 32);
        }
        c = crc_table[(c ^ ch) & 0xFF] ^ (c >> 8);
    }
    return c;
}

/* One style token's UTF-8 bytes (see mtdetect.classifier.style.style_tokens): a fixed string, or a
   token's text as it is or lower-cased. `owned` holds the encoded bytes of a text that was not
   ASCII (NULL otherwise). */
typedef struct {
    const uint8_t *p;
    Py_ssize_t n;
    int lower;
    PyObject *owned;
} Piece;

/* The piece of token number k of a sentence (a Token: text, start, end, kind); -1 with an
   exception set when it is not one. */
static int style_piece(PyObject *tok, Py_ssize_t k, Piece *out)
{
    out->owned = NULL;
    out->lower = 0;
    /* Exact str only: a subclass could run Python code (its own lower(), __eq__) that
       changes the lists being read, or give other hashes than Python's path. */
    if (!PyTuple_Check(tok) || PyTuple_GET_SIZE(tok) != 4 ||
        !PyUnicode_CheckExact(PyTuple_GET_ITEM(tok, 0)) ||
        !PyUnicode_CheckExact(PyTuple_GET_ITEM(tok, 3))) {
        PyErr_SetString(PyExc_TypeError,
                        "style_hashes: tokens must be Token tuples of str (text, kind)");
        return -1;
    }
    PyObject *text = PyTuple_GET_ITEM(tok, 0), *kind = PyTuple_GET_ITEM(tok, 3);
    int word = PyUnicode_CompareWithASCIIString(kind, "word") == 0;
    if (word) {
        if (k > 0 && PyUnicode_GET_LENGTH(text) > 0 &&
            Py_UNICODE_ISUPPER(PyUnicode_READ_CHAR(text, 0))) {
            out->p = (const uint8_t *)"C";
            out->n = 1;
            return 0;
        }
    } else if (PyUnicode_CompareWithASCIIString(kind, "number") == 0) {
        out->p = (const uint8_t *)"#";
        out->n = 1;
        return 0;
    } else if (PyUnicode_CompareWithASCIIString(kind, "url") == 0 ||
               PyUnicode_CompareWithASCIIString(kind, "email") == 0) {
        out->p = (const uint8_t *)"<link>";
        out->n = 6;
        return 0;
    }
    if (PyUnicode_IS_ASCII(text)) {
        out->p = (const uint8_t *)PyUnicode_DATA(text);
        out->n = PyUnicode_GET_LENGTH(text);
        out->lower = word;
        return 0;
    }
    /* Not ASCII: str.lower() and the encoding of mtdetect.classifier.style._crc32, as Python does them. */
    PyObject *s = word ? PyObject_CallMethod(text, "lower", NULL) : (Py_INCREF(text), text);
    if (s == NULL) {
        return -1;
    }
    out->owned = PyUnicode_AsEncodedString(s, "utf-8", "surrogatepass");
    Py_DECREF(s);
    if (out->owned == NULL) {
        return -1;
    }
    out->p = (const uint8_t *)PyBytes_AS_STRING(out->owned);
    out->n = PyBytes_GET_SIZE(out->owned);
    return 0;
}

/* style_hashes(sentences, out): the CRC-32 of every style token of each sentence (a sequence
   of Token sequences), as mtdetect.classifier.style._crc32(style_tokens(...)) gives them: per sentence
   its n + 2 unigrams ("<s>", the n tokens, "</s>"), then its n + 1 bigrams ("a b"). `out`
   (int64) must hold exactly sum(2 n + 3). A token whose text or kind is not an exact str
   raises TypeError (the caller then takes the Python path); no Python code runs between
   measuring the sentences and reading them. */
static PyObject *py_style_hashes(PyObject *self, PyObject *args)
{
    PyObject *sents, *o_out, *toks = NULL;
    if (!PyArg_ParseTuple(args, "OO", &sents, &o_out)) {
        return NULL;
    }
    PyObject *seq = PySequence_Fast(sents, "style_hashes: sentences must be a sequence");
    if (seq == NULL) {
        return NULL;
    }
    Buf b;
    if (get_buf(o_out, &b, 8, 1, "out") < 0) {
        goto fail;
    }
    int64_t *out = (int64_t *)b.view.buf;
    Py_ssize_t cap = LEN(b), at = 0, n_sent = PySequence_Fast_GET_SIZE(seq);
    const uint32_t init = 0xFFFFFFFFU;
    static const uint8_t bos[] = "<s>", eos[] = "</s>", space[] = " ";
    const uint32_t after_bos = crc_more(init, bos, 3, 0); /* every sentence starts so */
    /* The sizes first, so that nothing is written past out. */
    for (Py_ssize_t j = 0; j < n_sent; j++) {
        Py_ssize_t n = PyObject_Length(PySequence_Fast_GET_ITEM(seq, j));
        if (n < 0) {
            goto fail;
        }
        at += 2 * n + 3;
    }
    if (at != cap) {
        PyErr_SetString(PyExc_ValueError, "style_hashes: out must hold 2 n + 3 per sentence");
        goto fail;
    }
    at = 0;
    for (Py_ssize_t j = 0; j < n_sent; j++) {
        toks = PySequence_Fast(PySequence_Fast_GET_ITEM(seq, j),
                               "style_hashes: a sentence must be a sequence");
        if (toks == NULL) {
            goto fail;
        }
        Py_ssize_t n = PySequence_Fast_GET_SIZE(toks);
        if (at + 2 * n + 3 > cap) { /* the sentence changed since it was measured */
            PyErr_SetString(PyExc_ValueError, "style_hashes: sentences changed during the call");
            goto fail;
        }
        int64_t *uni = out + at, *bi = out + at + n + 2;
        uint32_t prev = after_bos;
        uni[0] = (int64_t)(prev ^ init);
        for (Py_ssize_t k = 0; k <= n; k++) {
            Piece pc = {eos, 4, 0, NULL};
            if (k < n && style_piece(PySequence_Fast_GET_ITEM(toks, k), k, &pc) < 0) {
                goto fail;
            }
            uint32_t own = crc_more(init, pc.p, pc.n, pc.lower);
            uint32_t pair = crc_more(crc_more(prev, space, 1, 0), pc.p, pc.n, pc.lower);
            Py_XDECREF(pc.owned);
            uni[k + 1] = (int64_t)(own ^ init);
            bi[k] = (int64_t)(pair ^ init);
            prev = own;
        }
        at += 2 * n + 3;
        Py_CLEAR(toks);
    }
    if (at != cap) { /* a sentence shrank since it was measured: out is not all written */
        PyErr_SetString(PyExc_ValueError, "style_hashes: sentences changed during the call");
        goto fail;
    }
    release(&b, 1);
    Py_DECREF(seq);
    Py_RETURN_NONE;
fail:
    Py_XDECREF(toks);
    release(&b, 1);
    Py_DECREF(seq);
    return NULL;
}

/* --- tree ensembles (see mtdetect.tagger.trees.TreeEnsemble) -------------------------- */

/* Rows walked through a tree together: their walks are independent chains of loads, which
   then overlap (16 measured fastest, 1.75x one row at a time on the benchmark's tokens). */
#define TREE_ROWS 16

static PyObject *py_tree_sum(PyObject *self, PyObject *args)
{
    PyObject *o[8];
    Py_ssize_t n_features;
    if (!PyArg_ParseTuple(args, "OnOOOOOOO", &o[0], &n_features, &o[1], &o[2], &o[3], &o[4],
                          &o[5], &o[6], &o[7])) {
        return NULL;
    }
    static const Py_ssize_t sizes[8] = {8, 4, 8, 4, 4, 8, 4, 8};
    static const char *names[8] = {"X", "feature", "threshold", "left", "right", "value",
                                   "roots", "out"};
    Buf b[8];
    memset(b, 0, sizeof(b));
    for (int i = 0; i < 8; i++) {
        if (get_buf(o[i], &b[i], sizes[i], i == 7, names[i]) < 0) {
            release(b, 8);
            return NULL;
        }
    }
    Py_ssize_t n_nodes = LEN(b[1]);
    Py_ssize_t n = LEN(b[7]);
    if (n_features <= 0 || LEN(b[0]) % n_features != 0 || LEN(b[0]) / n_features != n ||
        LEN(b[2]) != n_nodes ||
        LEN(b[3]) != n_nodes || LEN(b[4]) != n_nodes || LEN(b[5]) != n_nodes) {
        release(b, 8);
        PyErr_SetString(PyExc_ValueError, "tree_sum: array sizes do not match");
        return NULL;
    }
    const double *X = (const double *)b[0].view.buf;
    const int32_t *feat = (const int32_t *)b[1].view.buf;
    const double *thr = (const double *)b[2].view.buf;
    const int32_t *left = (const int32_t *)b[3].view.buf;
    const int32_t *right = (const int32_t *)b[4].view.buf;
    const double *val = (const double *)b[5].view.buf;
    const int32_t *roots = (const int32_t *)b[6].view.buf;
    Py_ssize_t n_trees = LEN(b[6]);
    double *out = (double *)b[7].view.buf;
    int bad = 0;
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t i = 0; i < n; i++) {
        out[i] = 0.0;
    }
    /* Every index is checked once here, so that the walks need no checks. */
    for (Py_ssize_t q = 0; q < n_nodes && !bad; q++) {
        bad = feat[q] < 0 || feat[q] >= n_features || left[q] < 0 || left[q] >= n_nodes ||
              right[q] < 0 || right[q] >= n_nodes;
    }
    for (Py_ssize_t t = 0; t < n_trees && !bad; t++) {
        bad = roots[t] < 0 || roots[t] >= n_nodes;
    }
    /* Tree by tree (each tree's nodes stay in cache while every row walks it). A walk ends
       at a node that leads to itself (a leaf): the select is arithmetic, not a branch; more
       than n_nodes steps mean a cycle. */
    for (Py_ssize_t t = 0; t < n_trees && !bad; t++) {
        for (Py_ssize_t i0 = 0; i0 < n && !bad; i0 += TREE_ROWS) {
            int rows = n - i0 < TREE_ROWS ? (int)(n - i0) : TREE_ROWS;
            int32_t node[TREE_ROWS];
            const double *x[TREE_ROWS];
            for (int r = 0; r < rows; r++) {
                node[r] = roots[t];
                x[r] = X + (i0 + r) * n_features;
            }
            int moved = 1;
            for (Py_ssize_t step = 0; moved && step <= n_nodes; step++) {
                moved = 0;
                for (int r = 0; r < rows; r++) {
                    int32_t nd = node[r];
                    int32_t go_right = !(x[r][feat[nd]] <= thr[nd]);
                    int32_t next = left[nd] + go_right * (right[nd] - left[nd]);
                    moved |= next != nd;
                    node[r] = next;
                }
            }
            if (moved) {
                bad = 1;
                break;
            }
            for (int r = 0; r < rows; r++) {
                out[i0 + r] += val[node[r]];
            }
        }
    }
    Py_END_ALLOW_THREADS
    release(b, 8);
    if (bad) {
        PyErr_SetString(PyExc_ValueError, "tree_sum: the tree arrays are inconsistent");
        return NULL;
    }
    Py_RETURN_NONE;
}

/* --- tokens (see mtdetect.text.tokenize) ----------------------------------------------- */

/* The character classes of mtdetect.text._PLAIN_TOKEN_RE as Python's re module decides them
   for str patterns: \d is a decimal digit, \w alphanumeric or '_', \s white space; a letter
   of a word ([^\W\d_]) is alphanumeric and not a decimal digit ('_' is not alphanumeric). */
static inline int tok_letter(Py_UCS4 c)
{
    return Py_UNICODE_ISALNUM(c) && !Py_UNICODE_ISDECIMAL(c);
}

static inline int tok_digit(Py_UCS4 c)
{
    return Py_UNICODE_ISDECIMAL(c);
}

static inline int tok_word_or_space(Py_UCS4 c)
{
    return Py_UNICODE_ISALNUM(c) || c == '_' || Py_UNICODE_ISSPACE(c);
}

/* The end of the match of _PLAIN_TOKEN_RE at i (text[i] is not white space), and its kind
   (0 word, 1 number, 2 punct); -1 when nothing matches there ('_'). */
static Py_ssize_t tok_match(int kind_u, const void *data, Py_ssize_t i, Py_ssize_t end, int *kind)
{
    Py_UCS4 c = PyUnicode_READ(kind_u, data, i);
    Py_ssize_t j = i;
    if (tok_letter(c)) {
        /* [^\W\d_]+(?:[-'’][^\W\d_]+)* */
        while (j < end && tok_letter(PyUnicode_READ(kind_u, data, j))) {
            j++;
        }
        while (j + 1 < end) {
            Py_UCS4 sep = PyUnicode_READ(kind_u, data, j);
            if (!(sep == '-' || sep == '\'' || sep == 0x2019) ||
                !tok_letter(PyUnicode_READ(kind_u, data, j + 1))) {
                break;
            }
            j += 2;
            while (j < end && tok_letter(PyUnicode_READ(kind_u, data, j))) {
                j++;
            }
        }
        *kind = 0;
        return j;
    }
    if (tok_digit(c)) {
        /* \d+(?:[.,:/]\d+)*(?:st|nd|rd|th|s)? */
        while (j < end && tok_digit(PyUnicode_READ(kind_u, data, j))) {
            j++;
        }
        while (j + 1 < end) {
            Py_UCS4 sep = PyUnicode_READ(kind_u, data, j);
            if (!(sep == '.' || sep == ',' || sep == ':' || sep == '/') ||
                !tok_digit(PyUnicode_READ(kind_u, data, j + 1))) {
                break;
            }
            j += 2;
            while (j < end && tok_digit(PyUnicode_READ(kind_u, data, j))) {
                j++;
            }
        }
        if (j < end) {
            Py_UCS4 a = PyUnicode_READ(kind_u, data, j);
            Py_UCS4 b = j + 1 < end ? PyUnicode_READ(kind_u, data, j + 1) : 0;
            if ((a == 's' && b == 't') || (a == 'n' && b == 'd') || (a == 'r' && b == 'd') ||
                (a == 't' && b == 'h')) {
                j += 2;
            } else if (a == 's') {
                j += 1;
            }
        }
        *kind = 1;
        return j;
    }
    /* \.\.\.|[^\w\s] */
    *kind = 2;
    if (c == '.' && i + 2 < end && PyUnicode_READ(kind_u, data, i + 1) == '.' &&
        PyUnicode_READ(kind_u, data, i + 2) == '.') {
        return i + 3;
    }
    return tok_word_or_space(c) ? -1 : i + 1;
}

/* tokenize(text, start, end, offset, token_type, kinds): what
   [token_type(m.group(), m.start() + offset, m.end() + offset, kind) for m in
   _PLAIN_TOKEN_RE.finditer(text, start, end)] gives, kinds being the names of the word,
   number and punct groups: one object per token and nothing else. */
static PyObject *py_tokenize(PyObject *self, PyObject *args)
{
    PyObject *text, *type_obj, *kinds;
    Py_ssize_t start, end, offset;
    if (!PyArg_ParseTuple(args, "UnnnOO", &text, &start, &end, &offset, &type_obj, &kinds)) {
        return NULL;
    }
    /* A named tuple of four fields: its instances are plain tuples of four items (a struct
       sequence, such as time.struct_time, keeps hidden fields past its visible ones). The
       last type that passed is remembered (a reference is kept), so the check runs once. */
    static PyObject *checked = NULL;
    int ok = type_obj == checked;
    if (!ok) {
        ok = PyType_Check(type_obj) &&
             PyType_IsSubtype((PyTypeObject *)type_obj, &PyTuple_Type) &&
             ((PyTypeObject *)type_obj)->tp_basicsize == PyTuple_Type.tp_basicsize &&
             ((PyTypeObject *)type_obj)->tp_itemsize == PyTuple_Type.tp_itemsize &&
             !PyObject_HasAttrString(type_obj, "n_sequence_fields");
        if (ok) {
            PyObject *fields = PyObject_GetAttrString(type_obj, "_fields");
            ok = fields != NULL && PyTuple_Check(fields) && PyTuple_GET_SIZE(fields) == 4;
            Py_XDECREF(fields);
            PyErr_Clear();
        }
        if (ok) {
            Py_INCREF(type_obj);
            Py_XSETREF(checked, type_obj);
        }
    }
    if (!ok || !PyTuple_Check(kinds) || PyTuple_GET_SIZE(kinds) != 3) {
        PyErr_SetString(PyExc_TypeError, "tokenize: a named tuple type of four fields and "
                                         "three kind names");
        return NULL;
    }
    PyTypeObject *type = (PyTypeObject *)type_obj;
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    /* offsets are added to positions below n: refuse what could overflow */
    if (offset < 0 || offset > PY_SSIZE_T_MAX - n) {
        PyErr_SetString(PyExc_OverflowError, "tokenize: offset out of range");
        return NULL;
    }
    if (start < 0) {
        start = 0;
    }
    if (end > n) {
        end = n;
    }
    PyObject *out = PyList_New(0);
    if (out == NULL) {
        return NULL;
    }
    int kind_u = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t i = start;
    while (i < end) {
        Py_UCS4 c = PyUnicode_READ(kind_u, data, i);
        if (Py_UNICODE_ISSPACE(c)) {
            i++;
            continue;
        }
        int kind;
        Py_ssize_t j = tok_match(kind_u, data, i, end, &kind);
        if (j < 0) {
            i++;
            continue;
        }
        PyObject *tok = type->tp_alloc(type, 4);
        PyObject *surface = PyUnicode_Substring(text, i, j);
        PyObject *a = PyLong_FromSsize_t(i + offset);
        PyObject *b = PyLong_FromSsize_t(j + offset);
        if (tok == NULL || surface == NULL || a == NULL || b == NULL) {
            Py_XDECREF(tok);
            Py_XDECREF(surface);
            Py_XDECREF(a);
            Py_XDECREF(b);
            Py_DECREF(out);
            return NULL;
        }
        PyObject *k = PyTuple_GET_ITEM(kinds, kind);
        Py_INCREF(k);
        PyTuple_SET_ITEM(tok, 0, surface);
        PyTuple_SET_ITEM(tok, 1, a);
        PyTuple_SET_ITEM(tok, 2, b);
        PyTuple_SET_ITEM(tok, 3, k);
        if (PyList_Append(out, tok) < 0) {
            Py_DECREF(tok);
            Py_DECREF(out);
            return NULL;
        }
        Py_DECREF(tok);
        i = j;
    }
    return out;
}

/* --- per-segment statistics (see mtdetect.classifier.features.segment_stats) ------------ */

/* segment_stats(values, owner, sums, counts, mins, maxs): for k rows of values (k x m,
   float64) grouped by owner (m segment ids in [0, n)), per segment and row the sum in element
   order (the order in which numpy's bincount adds weights), the least and the greatest (NaN
   when a member is NaN, as np.minimum and np.maximum; +inf and -inf for an empty segment), and
   the number of members per segment. sums, mins and maxs are k x n, counts n (int64). */
static PyObject *py_segment_stats(PyObject *self, PyObject *args)
{
    PyObject *o[6];
    if (!PyArg_ParseTuple(args, "OOOOOO", &o[0], &o[1], &o[2], &o[3], &o[4], &o[5])) {
        return NULL;
    }
    static const Py_ssize_t sizes[6] = {8, 8, 8, 8, 8, 8};
    static const char *names[6] = {"values", "owner", "sums", "counts", "mins", "maxs"};
    Buf b[6];
    memset(b, 0, sizeof(b));
    for (int i = 0; i < 6; i++) {
        if (get_buf(o[i], &b[i], sizes[i], i >= 2, names[i]) < 0) {
            release(b, 6);
            return NULL;
        }
    }
    Py_ssize_t m = LEN(b[1]), n = LEN(b[3]);
    Py_ssize_t k = n > 0 ? LEN(b[2]) / n : 0;
    const int64_t *owner = (const int64_t *)b[1].view.buf;
    /* divisions, not products: no size can overflow */
    int ok = n > 0 && LEN(b[2]) % n == 0 && LEN(b[4]) == LEN(b[2]) && LEN(b[5]) == LEN(b[2]) &&
             (k == 0 ? LEN(b[0]) == 0 : LEN(b[0]) % k == 0 && LEN(b[0]) / k == m);
    for (Py_ssize_t i = 0; ok && i < m; i++) {
        ok = owner[i] >= 0 && owner[i] < n;
    }
    if (!ok) {
        release(b, 6);
        PyErr_SetString(PyExc_ValueError, "segment_stats: array sizes or owners do not fit");
        return NULL;
    }
    const double *v = (const double *)b[0].view.buf;
    double *sums = (double *)b[2].view.buf;
    int64_t *counts = (int64_t *)b[3].view.buf;
    double *mins = (double *)b[4].view.buf;
    double *maxs = (double *)b[5].view.buf;
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t j = 0; j < k * n; j++) {
        sums[j] = 0.0;
        mins[j] = INFINITY;
        maxs[j] = -INFINITY;
    }
    for (Py_ssize_t j = 0; j < n; j++) {
        counts[j] = 0;
    }
    for (Py_ssize_t i = 0; i < m; i++) {
        int64_t s = owner[i];
        if (s < 0 || s >= n) {
            continue; /* checked above; read again in case the caller changed it since */
        }
        counts[s]++;
        for (Py_ssize_t r = 0; r < k; r++) {
            double x = v[r * m + i];
            Py_ssize_t at = r * n + s;
            sums[at] += x;
            /* on a tie the later value, as np.minimum and np.maximum give (-0.0 vs 0.0) */
            if (!isnan(mins[at]) && (isnan(x) || x <= mins[at])) {
                mins[at] = x;
            }
            if (!isnan(maxs[at]) && (isnan(x) || x >= maxs[at])) {
                maxs[at] = x;
            }
        }
    }
    Py_END_ALLOW_THREADS
    release(b, 6);
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"tokenize", py_tokenize, METH_VARARGS, "The tokens of mtdetect.text._PLAIN_TOKEN_RE."},
    {"segment_stats", py_segment_stats, METH_VARARGS, "Sum, count, min and max per segment."},
    {"slots_of", py_slots_of, METH_VARARGS, "Slot index of each key in a count table (-1 absent)."},
    {"lookup", py_lookup, METH_VARARGS, "Count code of each key in a count table (0 absent)."},
    {"ngram_counts", py_ngram_counts, METH_VARARGS, "Counts of aligned word pairs or triples."},
    {"kn_triples", py_kn_triples, METH_VARARGS, "Interpolated Kneser-Ney ln P(w | c2 c1)."},
    {"gather_search", py_gather_search, METH_VARARGS, "Candidate search with its candidates."},
    {"pair_search", py_pair_search, METH_VARARGS, "Best pair swap per adjacent word pair."},
    {"style_hashes", py_style_hashes, METH_VARARGS, "CRC-32 of every style token of sentences."},
    {"tree_sum", py_tree_sum, METH_VARARGS, "Sum of the leaf values of a tree ensemble per row."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_core",
    "Compiled inner loops of the evidence tables and the tagger (see _core.c).", -1, methods,
};

/* The constants Python must agree with; mtdetect.native checks them when it loads this
   module, so that a stale build is never used. */
static int add_constants(PyObject *m)
{
    const struct {
        const char *name;
        long long value;
    } ints[] = {
        {"ID_BITS", ID_BITS},
        {"BUCKET", BUCKET},
        {"MAX_OPTIONS", MAX_OPTIONS},
        {"MAX_SHORTLIST", MAX_SHORTLIST},
        {"SORT_UNIQUE", SORT_UNIQUE},
        {"DROP_SELF", DROP_SELF},
        {"SPIN_PRIOR", SPIN_PRIOR},
        {"KEEP_FLAGS", KEEP_FLAGS},
    };
    const struct {
        const char *name;
        unsigned long long value;
    } hashes[] = {{"GOLDEN", GOLDEN}, {"C1", C1}, {"C2", C2}, {"ALT", ALT}};
    for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++)
        if (PyModule_AddIntConstant(m, ints[i].name, (long)ints[i].value) < 0)
            return -1;
    for (size_t i = 0; i < sizeof hashes / sizeof hashes[0]; i++) {
        PyObject *v = PyLong_FromUnsignedLongLong(hashes[i].value);
        if (v == NULL || PyModule_AddObject(m, hashes[i].name, v) < 0) {
            Py_XDECREF(v);
            return -1;
        }
    }
    return 0;
}

PyMODINIT_FUNC PyInit__core(void)
{
    crc_init();
    PyObject *m = PyModule_Create(&module);
    if (m != NULL && add_constants(m) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
