/* Compiled word-start scanner for connector.rules.signals (optional speed-up; see scanner.py).
 *
 * Contract: Scanner(patterns, kinds, hit_type, names).find(norm, table, max_hits, source) returns the
 * same positional hits, in the same order, as the pure-Python loop of `signals.find_hits` over the
 * same dispatch rows (table number `table`, from add_table(rows); the tables share the patterns):
 * for each word start of `norm` ([a-z0-9]+ runs), the row keyed by (first 4 characters of the word,
 * or its first digit; first character of the next word, or "") is walked in order; a signal is
 * skipped while the position is inside its previous hit; its patterns are tried in order, anchored
 * at the word start, and the first that matches is the signal's match there. Hits are `hit_type`
 * instances (names[signal], source, start, end, when, amount, number, kind). Returns None (the caller
 * then uses Python's `re`) when PCRE2 reports anything but a match or no match (e.g. its JIT stack).
 *
 * Patterns are PCRE2 sources translated from Python's syntax by scanner.pcre2_source, compiled for
 * 32-bit code units without UTF (one code unit per Python code point, so offsets are Python offsets
 * and any str is a valid subject) and with PCRE2_UCP (\w \d \b by Unicode properties, as Python's
 * str patterns), anchored, JIT-compiled where the platform allows.
 *
 * Also count_words() and fold(), the function-word counts and the character folding of text.py.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#define PCRE2_CODE_UNIT_WIDTH 32
#include <pcre2.h>
#include <stdint.h>
#include <string.h>

typedef struct {
    uint32_t key; /* packed word key (see key_of), 0 = empty slot */
    int32_t row;  /* offset of the row in Table.rows */
} Slot;

typedef struct {
    Slot *slots; /* open addressing, linear probing */
    size_t mask;
    int32_t *rows; /* per distinct row: n entries, then per entry: signal, npat, pattern ids... */
} Table;

typedef struct {
    PyObject_HEAD
    Py_ssize_t npat;
    pcre2_code **codes;
    char *jit;
    Py_ssize_t *kind_off; /* npat + 1 offsets into kind_pairs */
    int32_t *kind_pairs;  /* (group, code) pairs */
    Py_ssize_t ntables;
    Table *tables;
    Py_ssize_t nsig;
    pcre2_match_data *md;
    pcre2_match_context *mctx;
    pcre2_jit_stack *jstack;
    PyTypeObject *hit_type; /* a tuple subclass of 8 fields (signals.Hit) */
    PyObject *names;        /* tuple: signal index → name */
} Scanner;

static inline int is_word(Py_UCS4 c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

static inline uint32_t code_of(Py_UCS4 c) { return c <= '9' ? c - '0' + 27 : c - 'a' + 1; }

/* Fibonacci hashing: the high half of the 64-bit product depends on every bit of the key (the low bits
 * of a product do not depend on the high bits of the key, where the next word's character is). */
static inline size_t slot_of(uint32_t key, size_t mask) {
    return (size_t)(((uint64_t)key * 0x9E3779B97F4A7C15ull) >> 40) & mask;
}

/* The packed key of a word: its key part (`len` <= 4 word characters: the first 4, a shorter whole
 * word, or a first digit) and the first character of the next word (0: none), 6 bits each. */
static inline uint32_t pack_key(const Py_UCS4 *part, Py_ssize_t len, Py_UCS4 next) {
    uint32_t key = next ? code_of(next) << 24 : 0;
    for (Py_ssize_t t = 0; t < len; t++) key |= code_of(part[t]) << (6 * t);
    return key;
}

/* pack_key of a table's (key part, next character) pair; -1 if it is not one. */
static int key_of(PyObject *word, PyObject *next, uint32_t *out) {
    Py_ssize_t n = PyUnicode_GetLength(word), m = PyUnicode_GetLength(next);
    if (n < 1 || n > 4 || m > 1) return -1;
    Py_UCS4 part[4], nx = m ? PyUnicode_READ_CHAR(next, 0) : 0;
    for (Py_ssize_t t = 0; t < n; t++)
        if (!is_word(part[t] = PyUnicode_READ_CHAR(word, t))) return -1;
    if (m && !is_word(nx)) return -1;
    *out = pack_key(part, n, nx);
    return 0;
}

static void Scanner_dealloc(Scanner *self) {
    if (self->codes) {
        for (Py_ssize_t i = 0; i < self->npat; i++)
            if (self->codes[i]) pcre2_code_free(self->codes[i]);
        PyMem_Free(self->codes);
    }
    PyMem_Free(self->jit);
    PyMem_Free(self->kind_off);
    PyMem_Free(self->kind_pairs);
    if (self->tables) {
        for (Py_ssize_t t = 0; t < self->ntables; t++) {
            PyMem_Free(self->tables[t].slots);
            PyMem_Free(self->tables[t].rows);
        }
        PyMem_Free(self->tables);
    }
    if (self->md) pcre2_match_data_free(self->md);
    if (self->mctx) pcre2_match_context_free(self->mctx);
    if (self->jstack) pcre2_jit_stack_free(self->jstack);
    Py_XDECREF(self->hit_type);
    Py_XDECREF(self->names);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static int compile_patterns(Scanner *self, PyObject *patterns) {
    self->npat = PySequence_Fast_GET_SIZE(patterns);
    self->codes = PyMem_Calloc(self->npat ? self->npat : 1, sizeof(pcre2_code *));
    self->jit = PyMem_Calloc(self->npat ? self->npat : 1, 1);
    if (!self->codes || !self->jit) return -1;
    uint32_t max_groups = 0;
    /* Python's `.` and `$` know only "\n" as a line end, whatever PCRE2's build default is */
    pcre2_compile_context *cctx = pcre2_compile_context_create(NULL);
    if (!cctx || pcre2_set_newline(cctx, PCRE2_NEWLINE_LF) != 0) {
        if (cctx) pcre2_compile_context_free(cctx);
        PyErr_NoMemory();
        return -1;
    }
    for (Py_ssize_t i = 0; i < self->npat; i++) {
        PyObject *src = PySequence_Fast_GET_ITEM(patterns, i);
        if (!PyUnicode_Check(src)) {
            pcre2_compile_context_free(cctx);
            PyErr_Format(PyExc_TypeError, "pattern %zd is not a str", i);
            return -1;
        }
        Py_UCS4 *buf = PyUnicode_AsUCS4Copy(src);
        if (!buf) {
            pcre2_compile_context_free(cctx);
            return -1;
        }
        int err;
        PCRE2_SIZE erroff;
        self->codes[i] = pcre2_compile((PCRE2_SPTR)buf, (PCRE2_SIZE)PyUnicode_GetLength(src),
                                       PCRE2_ANCHORED | PCRE2_UCP, &err, &erroff, cctx);
        PyMem_Free(buf);
        if (!self->codes[i]) {
            PCRE2_UCHAR msg[256];
            char text[256];
            pcre2_get_error_message(err, msg, 256);
            size_t t = 0;
            for (; t < 255 && msg[t]; t++) text[t] = (char)(msg[t] < 128 ? msg[t] : '?');
            text[t] = 0;
            pcre2_compile_context_free(cctx);
            PyErr_Format(PyExc_ValueError, "pattern %zd: %s at offset %zu", i, text, (size_t)erroff);
            return -1;
        }
        self->jit[i] = pcre2_jit_compile(self->codes[i], PCRE2_JIT_COMPLETE) == 0;
        uint32_t groups = 0;
        pcre2_pattern_info(self->codes[i], PCRE2_INFO_CAPTURECOUNT, &groups);
        if (groups > max_groups) max_groups = groups;
    }
    pcre2_compile_context_free(cctx);
    self->md = pcre2_match_data_create(max_groups + 1, NULL);
    self->mctx = pcre2_match_context_create(NULL);
    self->jstack = pcre2_jit_stack_create(32 * 1024, 8 * 1024 * 1024, NULL);
    if (!self->md || !self->mctx || !self->jstack) {
        PyErr_NoMemory();
        return -1;
    }
    pcre2_jit_stack_assign(self->mctx, NULL, self->jstack);
    return 0;
}

static int load_kinds(Scanner *self, PyObject *kinds) {
    if (PySequence_Fast_GET_SIZE(kinds) != self->npat) {
        PyErr_SetString(PyExc_ValueError, "kinds must have one entry per pattern");
        return -1;
    }
    self->kind_off = PyMem_Calloc(self->npat + 1, sizeof(Py_ssize_t));
    if (!self->kind_off) return -1;
    Py_ssize_t total = 0;
    for (Py_ssize_t i = 0; i < self->npat; i++) {
        Py_ssize_t n = PySequence_Size(PySequence_Fast_GET_ITEM(kinds, i));
        if (n < 0) return -1;
        self->kind_off[i] = total;
        total += n;
    }
    self->kind_off[self->npat] = total;
    self->kind_pairs = PyMem_Calloc(2 * total + 1, sizeof(int32_t));
    if (!self->kind_pairs) return -1;
    for (Py_ssize_t i = 0; i < self->npat; i++) {
        PyObject *spec = PySequence_Fast(PySequence_Fast_GET_ITEM(kinds, i), "kinds entry");
        if (!spec) return -1;
        for (Py_ssize_t j = 0; j < PySequence_Fast_GET_SIZE(spec); j++) {
            int group, code;
            if (!PyArg_ParseTuple(PySequence_Fast_GET_ITEM(spec, j), "ii", &group, &code)) {
                Py_DECREF(spec);
                return -1;
            }
            if (code < 0 || code > 3 || group < 1) {
                Py_DECREF(spec);
                PyErr_SetString(PyExc_ValueError, "kind pair out of range");
                return -1;
            }
            self->kind_pairs[2 * (self->kind_off[i] + j)] = group;
            self->kind_pairs[2 * (self->kind_off[i] + j) + 1] = code;
        }
        Py_DECREF(spec);
    }
    return 0;
}

/* Append one row to tab->rows (grown as needed); its offset in *at. */
static int append_row(Table *tab, Py_ssize_t *size, Py_ssize_t *alloc, PyObject *v, Py_ssize_t npat,
                      Py_ssize_t nsig, Py_ssize_t *at) {
    PyObject *row = PySequence_Fast(v, "row");
    if (!row) return -1;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(row), need = 1;
    for (Py_ssize_t e = 0; e < n; e++) {
        PyObject *entry = PySequence_Fast_GET_ITEM(row, e);
        if (!PyTuple_Check(entry) || PyTuple_GET_SIZE(entry) != 2 || !PyTuple_Check(PyTuple_GET_ITEM(entry, 1))) {
            Py_DECREF(row);
            PyErr_SetString(PyExc_TypeError, "row entries must be (signal, (pattern ids...))");
            return -1;
        }
        need += 2 + PyTuple_GET_SIZE(PyTuple_GET_ITEM(entry, 1));
    }
    if (*size + need > *alloc) {
        while (*size + need > *alloc) *alloc *= 2;
        int32_t *grown = PyMem_Realloc(tab->rows, *alloc * sizeof(int32_t));
        if (!grown) {
            Py_DECREF(row);
            PyErr_NoMemory();
            return -1;
        }
        tab->rows = grown;
    }
    *at = *size;
    tab->rows[(*size)++] = (int32_t)n;
    for (Py_ssize_t e = 0; e < n; e++) {
        PyObject *entry = PySequence_Fast_GET_ITEM(row, e), *pats = PyTuple_GET_ITEM(entry, 1);
        long sig = PyLong_AsLong(PyTuple_GET_ITEM(entry, 0));
        if (sig < 0 || sig >= nsig) {
            Py_DECREF(row);
            if (!PyErr_Occurred()) PyErr_SetString(PyExc_ValueError, "signal index out of range");
            return -1;
        }
        tab->rows[(*size)++] = (int32_t)sig;
        tab->rows[(*size)++] = (int32_t)PyTuple_GET_SIZE(pats);
        for (Py_ssize_t p = 0; p < PyTuple_GET_SIZE(pats); p++) {
            long id = PyLong_AsLong(PyTuple_GET_ITEM(pats, p));
            if (id < 0 || id >= npat) {
                Py_DECREF(row);
                if (!PyErr_Occurred()) PyErr_SetString(PyExc_ValueError, "pattern id out of range");
                return -1;
            }
            tab->rows[(*size)++] = (int32_t)id;
        }
    }
    Py_DECREF(row);
    return 0;
}

/* Load one dispatch table: equal rows are stored once (a few thousand distinct rows serve tens of
 * thousands of keys), and the slots are kept at most 2/3 full. */
static int load_rows(Scanner *self, Table *tab, PyObject *rows) {
    Py_ssize_t nrows = PyDict_Size(rows);
    size_t cap = 16;
    while (cap * 2 < (size_t)nrows * 3 + 2) cap <<= 1;
    tab->mask = cap - 1;
    tab->slots = PyMem_Calloc(cap, sizeof(Slot));
    Py_ssize_t size = 0, alloc = 1024, pos = 0;
    tab->rows = PyMem_Malloc(alloc * sizeof(int32_t));
    PyObject *seen = PyDict_New(); /* row → its offset */
    if (!tab->slots || !tab->rows || !seen) {
        Py_XDECREF(seen);
        if (!PyErr_Occurred()) PyErr_NoMemory();
        return -1;
    }
    PyObject *k, *v;
    while (PyDict_Next(rows, &pos, &k, &v)) {
        PyObject *word, *next;
        uint32_t key;
        if (!PyArg_ParseTuple(k, "UU", &word, &next)) goto fail;
        if (key_of(word, next, &key) < 0) {
            PyErr_Format(PyExc_ValueError, "bad row key %R", k);
            goto fail;
        }
        Py_ssize_t at;
        PyObject *known = PyDict_GetItemWithError(seen, v);
        if (known) {
            at = PyLong_AsSsize_t(known);
        } else {
            if (PyErr_Occurred() || append_row(tab, &size, &alloc, v, self->npat, self->nsig, &at) < 0) goto fail;
            PyObject *off = PyLong_FromSsize_t(at);
            if (!off || PyDict_SetItem(seen, v, off) < 0) {
                Py_XDECREF(off);
                goto fail;
            }
            Py_DECREF(off);
        }
        size_t slot = slot_of(key, tab->mask);
        while (tab->slots[slot].key && tab->slots[slot].key != key) slot = (slot + 1) & tab->mask;
        tab->slots[slot].key = key;
        tab->slots[slot].row = (int32_t)at;
    }
    Py_DECREF(seen);
    return 0;
fail:
    Py_DECREF(seen);
    return -1;
}

static int Scanner_init(Scanner *self, PyObject *args, PyObject *kw) {
    PyObject *patterns, *kinds, *hit_type, *signal_names;
    static char *kwlist[] = {"patterns", "kinds", "hit_type", "names", NULL};
    if (!PyArg_ParseTupleAndKeywords(args, kw, "OOO!O!", kwlist, &patterns, &kinds, &PyType_Type, &hit_type,
                                     &PyTuple_Type, &signal_names))
        return -1;
    if (self->codes) {
        PyErr_SetString(PyExc_RuntimeError, "Scanner is already initialised");
        return -1;
    }
    if (!PyType_IsSubtype((PyTypeObject *)hit_type, &PyTuple_Type)) {
        PyErr_SetString(PyExc_TypeError, "hit_type must be a tuple subclass");
        return -1;
    }
    self->hit_type = (PyTypeObject *)Py_NewRef(hit_type);
    self->names = Py_NewRef(signal_names);
    self->nsig = PyTuple_GET_SIZE(signal_names);
    PyObject *pats = PySequence_Fast(patterns, "patterns must be a sequence");
    if (!pats) return -1;
    PyObject *knds = PySequence_Fast(kinds, "kinds must be a sequence");
    if (!knds) {
        Py_DECREF(pats);
        return -1;
    }
    int rc = compile_patterns(self, pats) < 0 || load_kinds(self, knds) < 0 ? -1 : 0;
    Py_DECREF(pats);
    Py_DECREF(knds);
    if (rc < 0 && !PyErr_Occurred()) PyErr_NoMemory();
    return rc;
}

/* A new hit_type(name, source, start, end, when, amount, number, kind) for the match in self->md; NULL
 * on a Python error. */
static PyObject *make_hit(Scanner *self, PyObject *norm, PyObject *source, int32_t pat, int sig, Py_ssize_t pos,
                          Py_ssize_t end, int rc) {
    PyObject *found[4] = {NULL, NULL, NULL, NULL};
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(self->md);
    for (Py_ssize_t j = self->kind_off[pat]; j < self->kind_off[pat + 1]; j++) {
        int group = self->kind_pairs[2 * j], code = self->kind_pairs[2 * j + 1];
        if (group >= rc || ov[2 * group] == PCRE2_UNSET) continue;
        if (found[code] && PyUnicode_GET_LENGTH(found[code]) > 0) continue;
        PyObject *val = PyUnicode_Substring(norm, (Py_ssize_t)ov[2 * group], (Py_ssize_t)ov[2 * group + 1]);
        if (!val) goto fail;
        Py_XSETREF(found[code], val);
    }
    PyObject *start = PyLong_FromSsize_t(pos), *stop = PyLong_FromSsize_t(end);
    PyObject *t = start && stop ? self->hit_type->tp_alloc(self->hit_type, 8) : NULL;
    if (!t) {
        Py_XDECREF(start);
        Py_XDECREF(stop);
        goto fail;
    }
    PyTuple_SET_ITEM(t, 0, Py_NewRef(PyTuple_GET_ITEM(self->names, sig)));
    PyTuple_SET_ITEM(t, 1, Py_NewRef(source));
    PyTuple_SET_ITEM(t, 2, start);
    PyTuple_SET_ITEM(t, 3, stop);
    for (int c = 0; c < 4; c++) PyTuple_SET_ITEM(t, 4 + c, found[c] ? found[c] : Py_NewRef(Py_None));
    return t;
fail:
    for (int c = 0; c < 4; c++) Py_XDECREF(found[c]);
    return NULL;
}

typedef struct {
    Py_ssize_t pos;
    const int32_t *entry; /* (signal, npat, pattern ids...) in a row; for a keyed word: its row */
} Cand;

typedef struct {
    Py_ssize_t pos;
    const int32_t *entry;
    PyObject *hit;
} Match;

/* Text order, then row order at one word (the entries of a row are laid out in order). */
static int by_place(const void *a, const void *b) {
    const Match *x = a, *y = b;
    if (x->pos != y->pos) return x->pos < y->pos ? -1 : 1;
    return x->entry < y->entry ? -1 : x->entry > y->entry;
}

static int grow(void **buf, Py_ssize_t *cap, Py_ssize_t need, size_t item) {
    if (need <= *cap) return 0;
    Py_ssize_t cap2 = *cap;
    while (cap2 < need) cap2 *= 2;
    void *grown = PyMem_Realloc(*buf, cap2 * item);
    if (!grown) return -1;
    *buf = grown;
    *cap = cap2;
    return 0;
}

/* The signals are tried one after the other over all their candidate words (not word after word, all
 * signals at each): each signal's patterns then stay in the CPU caches while they are tried (the JIT
 * code of all patterns is several MB). A signal's hits do not depend on other signals' hits, and
 * sorting them by (word, row order) gives the word-by-word order of the Python loop. */
static PyObject *Scanner_find(Scanner *self, PyObject *args) {
    PyObject *norm, *source;
    Py_ssize_t table, max_hits;
    if (!PyArg_ParseTuple(args, "UnnU", &norm, &table, &max_hits, &source)) return NULL;
    if (table < 0 || table >= self->ntables) {
        PyErr_SetString(PyExc_IndexError, "no such table");
        return NULL;
    }
    const Table *tab = &self->tables[table];
    Py_ssize_t n = PyUnicode_GET_LENGTH(norm), nsig = self->nsig;
    Py_UCS4 *copy = NULL;
    const Py_UCS4 *s;
    if (PyUnicode_KIND(norm) == PyUnicode_4BYTE_KIND) {
        s = PyUnicode_4BYTE_DATA(norm);
    } else {
        copy = PyUnicode_AsUCS4Copy(norm);
        if (!copy) return NULL;
        s = copy;
    }
    Py_ssize_t nwords = 0, cap_words = 64, ncand = 0, nmatch = 0, cap_match = 16;
    Cand *words = PyMem_Malloc(cap_words * sizeof(Cand)), *cands = NULL;
    Match *matches = PyMem_Malloc(cap_match * sizeof(Match));
    Py_ssize_t *offsets = PyMem_Calloc(nsig + 1, sizeof(Py_ssize_t));
    Py_ssize_t *fill = PyMem_Malloc((nsig + 1) * sizeof(Py_ssize_t));
    PyObject *out = NULL;
    if (!words || !matches || !offsets || !fill) goto nomem;
    /* 1. the keyed words in text order, and how many candidates each signal has */
    Py_ssize_t i = 0;
    while (i < n && !is_word(s[i])) i++;
    while (i < n) {
        Py_ssize_t j = i;
        while (j < n && is_word(s[j])) j++;
        Py_ssize_t k = j;
        while (k < n && !is_word(s[k])) k++;
        Py_ssize_t len = s[i] <= '9' ? 1 : (j - i < 4 ? j - i : 4); /* a digit word: its first digit */
        uint32_t key = pack_key(s + i, len, k < n ? s[k] : 0);
        size_t slot = slot_of(key, tab->mask);
        while (tab->slots[slot].key && tab->slots[slot].key != key) slot = (slot + 1) & tab->mask;
        if (tab->slots[slot].key) {
            const int32_t *row = tab->rows + tab->slots[slot].row;
            if (grow((void **)&words, &cap_words, nwords + 1, sizeof(Cand)) < 0) goto nomem;
            words[nwords++] = (Cand){i, row};
            int32_t entries = *row++;
            for (int32_t e = 0; e < entries; e++) {
                offsets[row[0] + 1]++;
                row += 2 + row[1];
            }
            ncand += entries;
        }
        i = k;
    }
    /* 2. candidates bucketed by signal, in text order within each */
    for (Py_ssize_t g = 0; g < nsig; g++) offsets[g + 1] += offsets[g];
    memcpy(fill, offsets, (nsig + 1) * sizeof(Py_ssize_t));
    cands = PyMem_Malloc((ncand ? ncand : 1) * sizeof(Cand));
    if (!cands) goto nomem;
    for (Py_ssize_t w = 0; w < nwords; w++) {
        const int32_t *row = words[w].entry;
        int32_t entries = *row++;
        for (int32_t e = 0; e < entries; e++) {
            cands[fill[row[0]]++] = (Cand){words[w].pos, row};
            row += 2 + row[1];
        }
    }
    /* 3. signal by signal */
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(self->md);
    for (Py_ssize_t sig = 0; sig < nsig; sig++) {
        Py_ssize_t last_end = -1, count = 0;
        for (Py_ssize_t c = offsets[sig]; c < offsets[sig + 1] && count < max_hits; c++) {
            Py_ssize_t pos = cands[c].pos;
            if (pos < last_end) continue;
            int32_t npat = cands[c].entry[1];
            const int32_t *pats = cands[c].entry + 2;
            for (int32_t p = 0; p < npat; p++) {
                int32_t pat = pats[p];
                int rc = self->jit[pat] ? pcre2_jit_match(self->codes[pat], (PCRE2_SPTR)s, (PCRE2_SIZE)n,
                                                          (PCRE2_SIZE)pos, 0, self->md, self->mctx)
                                        : pcre2_match(self->codes[pat], (PCRE2_SPTR)s, (PCRE2_SIZE)n,
                                                      (PCRE2_SIZE)pos, 0, self->md, self->mctx);
                if (rc == PCRE2_ERROR_NOMATCH) continue;
                if (rc <= 0) goto fallback;
                Py_ssize_t end = (Py_ssize_t)ov[1];
                if (end > pos) {
                    if (grow((void **)&matches, &cap_match, nmatch + 1, sizeof(Match)) < 0) goto nomem;
                    PyObject *hit = make_hit(self, norm, source, pat, (int)sig, pos, end, rc);
                    if (!hit) goto error;
                    matches[nmatch++] = (Match){pos, cands[c].entry, hit};
                    last_end = end;
                    count++;
                }
                break;
            }
        }
    }
    /* 4. back to the order of the word-by-word loop */
    qsort(matches, nmatch, sizeof(Match), by_place);
    out = PyList_New(nmatch);
    if (!out) goto error;
    for (Py_ssize_t m = 0; m < nmatch; m++) PyList_SET_ITEM(out, m, matches[m].hit);
    nmatch = 0; /* the list owns the hits */
    goto done;
nomem:
    PyErr_NoMemory();
error:
    out = NULL;
    goto done;
fallback:
    out = Py_NewRef(Py_None);
done:
    for (Py_ssize_t m = 0; m < nmatch; m++) Py_DECREF(matches[m].hit);
    PyMem_Free(copy);
    PyMem_Free(words);
    PyMem_Free(cands);
    PyMem_Free(matches);
    PyMem_Free(offsets);
    PyMem_Free(fill);
    return out;
}

static PyObject *Scanner_sizes(Scanner *self, PyObject *Py_UNUSED(ignored)) {
    PyObject *out = PyList_New(self->npat);
    if (!out) return NULL;
    for (Py_ssize_t i = 0; i < self->npat; i++) {
        size_t code = 0, jit = 0;
        pcre2_pattern_info(self->codes[i], PCRE2_INFO_SIZE, &code);
        pcre2_pattern_info(self->codes[i], PCRE2_INFO_JITSIZE, &jit);
        PyList_SET_ITEM(out, i, Py_BuildValue("(nn)", (Py_ssize_t)code, (Py_ssize_t)jit));
    }
    return out;
}

static PyObject *Scanner_add_table(Scanner *self, PyObject *rows) {
    if (!PyDict_Check(rows)) {
        PyErr_SetString(PyExc_TypeError, "a table must be a dict");
        return NULL;
    }
    Table *grown = PyMem_Realloc(self->tables, (self->ntables + 1) * sizeof(Table));
    if (!grown) return PyErr_NoMemory();
    self->tables = grown;
    Table *tab = &self->tables[self->ntables];
    memset(tab, 0, sizeof(Table));
    if (load_rows(self, tab, rows) < 0) {
        PyMem_Free(tab->slots);
        PyMem_Free(tab->rows);
        return NULL;
    }
    return PyLong_FromSsize_t(self->ntables++);
}

static PyMethodDef Scanner_methods[] = {
    {"add_table", (PyCFunction)Scanner_add_table, METH_O, "add_table(rows) -> number of the new table"},
    {"sizes", (PyCFunction)Scanner_sizes, METH_NOARGS,
     "sizes() -> per pattern, (compiled size, JIT code size or 0) in bytes"},
    {"find", (PyCFunction)Scanner_find, METH_VARARGS,
     "find(norm, table, max_hits, source) -> list of hit_type(name, source, start, end, when, amount, number, kind), or None"},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject ScannerType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "connector.rules._scan.Scanner",
    .tp_basicsize = sizeof(Scanner),
    .tp_dealloc = (destructor)Scanner_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Word-start scanner over PCRE2 patterns (see the module docstring).",
    .tp_methods = Scanner_methods,
    .tp_init = (initproc)Scanner_init,
    .tp_new = PyType_GenericNew,
};

/* The words of count_words' two sets, in a small open-addressing table of UCS4 strings, built again
 * only when the sets change (the engine passes the same two frozensets every time). */
#define VOCAB_SLOTS 1024
#define VOCAB_LONGEST 32
typedef struct {
    Py_UCS4 chars[VOCAB_LONGEST];
    Py_ssize_t len; /* 0 = empty slot */
    int in[2];
} VocabSlot;

static struct {
    PyObject *sets[2]; /* strong references: the table stands for these objects */
    VocabSlot slots[VOCAB_SLOTS];
} vocab;

static uint64_t hash_chars(const Py_UCS4 *chars, Py_ssize_t len) {
    uint64_t h = 1469598103934665603ull;
    for (Py_ssize_t i = 0; i < len; i++) h = (h ^ chars[i]) * 1099511628211ull;
    return h;
}

static VocabSlot *vocab_slot(const Py_UCS4 *chars, Py_ssize_t len) {
    size_t slot = (size_t)hash_chars(chars, len) & (VOCAB_SLOTS - 1);
    while (vocab.slots[slot].len &&
           (vocab.slots[slot].len != len || memcmp(vocab.slots[slot].chars, chars, len * sizeof(Py_UCS4)) != 0))
        slot = (slot + 1) & (VOCAB_SLOTS - 1);
    return &vocab.slots[slot];
}

/* 0: the table holds the words of `sets`; -1 with an exception; 1 when they do not fit (too many or
 * too long words, or not all str). */
static int vocab_load(PyObject *sets[2]) {
    if (vocab.sets[0] == sets[0] && vocab.sets[1] == sets[1]) return 0;
    Py_CLEAR(vocab.sets[0]);
    Py_CLEAR(vocab.sets[1]);
    memset(vocab.slots, 0, sizeof(vocab.slots));
    Py_ssize_t total = 0;
    for (int k = 0; k < 2; k++) {
        PyObject *it = PyObject_GetIter(sets[k]), *word;
        if (!it) return -1;
        while ((word = PyIter_Next(it))) {
            Py_UCS4 chars[VOCAB_LONGEST];
            Py_ssize_t len = PyUnicode_Check(word) ? PyUnicode_GET_LENGTH(word) : -1;
            int ok = len >= 0 && len <= VOCAB_LONGEST && ++total <= VOCAB_SLOTS / 2;
            if (ok && len > 0 && !PyUnicode_AsUCS4(word, chars, VOCAB_LONGEST, 0)) ok = -1;
            Py_DECREF(word);
            if (ok != 1) {
                Py_DECREF(it);
                memset(vocab.slots, 0, sizeof(vocab.slots));
                return ok < 0 ? -1 : 1;
            }
            if (len == 0) continue; /* never a token */
            VocabSlot *slot = vocab_slot(chars, len);
            memcpy(slot->chars, chars, len * sizeof(Py_UCS4));
            slot->len = len;
            slot->in[k] = 1;
        }
        Py_DECREF(it);
        if (PyErr_Occurred()) return -1;
    }
    vocab.sets[0] = Py_NewRef(sets[0]);
    vocab.sets[1] = Py_NewRef(sets[1]);
    return 0;
}

static inline int is_letter_or_quote(Py_UCS4 c) { return (c >= 'a' && c <= 'z') || c == '\''; }

/* count_words(text, first, second, longest) -> (n, m): how many distinct [a-z']+ tokens of `text` are
 * in the set `first`, and how many in `second` (what text.detect_language computes with a regex);
 * `longest` is the length of the longest word of the sets (longer tokens are skipped unread). None
 * when the sets do not fit the table (the caller then counts in Python). */
static PyObject *count_words(PyObject *Py_UNUSED(module), PyObject *args) {
    PyObject *text, *sets[2];
    Py_ssize_t longest;
    if (!PyArg_ParseTuple(args, "UO!O!n", &text, &PyFrozenSet_Type, &sets[0], &PyFrozenSet_Type, &sets[1], &longest))
        return NULL;
    int unfit = vocab_load(sets);
    if (unfit < 0) return NULL;
    if (unfit) Py_RETURN_NONE;
    Py_ssize_t n = PyUnicode_GET_LENGTH(text), counts[2] = {0, 0};
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    char counted[VOCAB_SLOTS] = {0};
    Py_ssize_t i = 0;
    while (i < n) {
        while (i < n && !is_letter_or_quote(PyUnicode_READ(kind, data, i))) i++;
        Py_ssize_t j = i;
        while (j < n && is_letter_or_quote(PyUnicode_READ(kind, data, j))) j++;
        if (j > i && j - i <= longest && j - i <= VOCAB_LONGEST) { /* longer: in neither set */
            Py_UCS4 chars[VOCAB_LONGEST];
            for (Py_ssize_t t = i; t < j; t++) chars[t - i] = PyUnicode_READ(kind, data, t);
            VocabSlot *slot = vocab_slot(chars, j - i);
            if (slot->len && !counted[slot - vocab.slots]) {
                counted[slot - vocab.slots] = 1;
                counts[0] += slot->in[0];
                counts[1] += slot->in[1];
            }
        }
        i = j;
    }
    return Py_BuildValue("(nn)", counts[0], counts[1]);
}

/* fold(text, table) -> text with each code point c < len(table) replaced by table[c] (table: a str
 * of single characters; code points past its end are kept): one pass, the same length. */
static PyObject *fold(PyObject *Py_UNUSED(module), PyObject *args) {
    PyObject *text, *table;
    if (!PyArg_ParseTuple(args, "UU", &text, &table)) return NULL;
    Py_ssize_t n = PyUnicode_GET_LENGTH(text), m = PyUnicode_GET_LENGTH(table);
    int kind = PyUnicode_KIND(text), tkind = PyUnicode_KIND(table);
    const void *data = PyUnicode_DATA(text), *tdata = PyUnicode_DATA(table);
    Py_UCS4 maxchar = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_UCS4 c = PyUnicode_READ(kind, data, i);
        if ((Py_ssize_t)c < m) c = PyUnicode_READ(tkind, tdata, c);
        if (c > maxchar) maxchar = c;
    }
    PyObject *out = PyUnicode_New(n, maxchar);
    if (!out) return NULL;
    int okind = PyUnicode_KIND(out);
    void *odata = PyUnicode_DATA(out);
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_UCS4 c = PyUnicode_READ(kind, data, i);
        if ((Py_ssize_t)c < m) c = PyUnicode_READ(tkind, tdata, c);
        PyUnicode_WRITE(okind, odata, i, c);
    }
    return out;
}

static PyMethodDef module_methods[] = {
    {"fold", fold, METH_VARARGS, "fold(text, table) -> text with code point c replaced by table[c]"},
    {"count_words", count_words, METH_VARARGS,
     "count_words(text, first, second, longest) -> distinct [a-z']+ tokens of text in each frozenset, or None"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef scan_module = {
    PyModuleDef_HEAD_INIT, "connector.rules._scan",
    "Compiled word-start scanner for connector.rules.signals (PCRE2, 32-bit code units).", -1, module_methods,
};

PyMODINIT_FUNC PyInit__scan(void) {
    if (PyType_Ready(&ScannerType) < 0) return NULL;
    PyObject *m = PyModule_Create(&scan_module);
    if (!m) return NULL;
    if (PyModule_AddObjectRef(m, "Scanner", (PyObject *)&ScannerType) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
