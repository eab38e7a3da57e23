/* The pg-proxy's compiled data plane: one thread, no GIL, moves the bytes of every connection.
 *
 * It does what plane.py and pipe.py do (poll every socket, read, write what the kernel takes,
 * buffer the rest, tell the owner when a backlog passes the high-water mark or drains, close
 * once written) and, in a connection's steady state, also what the session's frame loops do:
 *
 *   port.link(peer, role, counts)  pair a socket with the one its bytes go to
 *   port.fast(skip, hold)          from now on this thread frames what it reads and forwards it
 *                                  to the peer itself, counting Sync (client role) and reading
 *                                  ReadyForQuery (server role) into `counts`, until it meets a
 *                                  message whose type is in `hold` (or one it must see whole and
 *                                  has only a part of): it forwards what came before, stops
 *                                  framing, and hands the rest to `on_data` (the session, in
 *                                  Python, under its lock). Answers whether framing was taken:
 *                                  not while data read for the session waits for its lock (the
 *                                  session frames that data itself, with its skip, and asks again)
 *   port.slow() -> skip            the session takes framing back (it returns how many bytes
 *                                  of a message that was being streamed are still to come)
 *
 * So a prepared statement's Bind/Execute/Sync and the server's answer cross the proxy without
 * Python; a Parse is handed to the session, which decides it as before. A Query (when `hold`
 * does not name it, and a cache is given) is looked up in the session's allow cache here, by
 * its exact text and by its mask (`mask` below, the same function as shapes.mask): a hit is
 * forwarded, a miss handed to the session.
 *
 * Locks: `mu` (one per plane) guards every port's state. This thread holds it while it does a
 * port's I/O and never while it waits for the GIL: Python callbacks run on this thread with the
 * GIL and with the owner's lock (`lock.acquire()`), after `mu` is released. Methods called from
 * Python take `mu` while they hold the GIL and give it back before they return, so no thread
 * ever waits for the GIL while it holds `mu`. Objects this thread may still point at in the
 * current batch of events are released only after the batch.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <errno.h>
#include <stddef.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define READ_SIZE (256 * 1024)
#define HIGH_WATER (256 * 1024)
#define LOW_WATER (64 * 1024)
#define CLOSE_WAIT_S 5.0
#define MAX_EVENTS 64
#define MAX_CALLS 16
#define MASK_MAX 8192 /* shapes.MAX_LEN: longer statements have no shape */
static const char SHAPED[] = "\0shape:"; /* guard._SHAPED */
#define SHAPED_LEN 7

enum { K_PORT = 1, K_WATCH = 2, K_WAKE = 3 };
enum { ROLE_NONE = 0, ROLE_CLIENT = 1, ROLE_SERVER = 2 };
enum { C_DATA = 1, C_LOST, C_FULL, C_DRAINED, C_EVENT };

typedef struct { int kind; void *obj; } Target;

/* ---- Counts: what both directions of a connection share -------------------------------------- */

typedef struct {
    PyObject_HEAD
    int sent;     /* Query/Sync/FunctionCall forwarded (each gets one ReadyForQuery) */
    int ready;    /* ReadyForQuery received */
    int status;   /* the last transaction status byte */
    int unsynced; /* extended-protocol messages forwarded since the last Sync */
} CountsObject;

static PyObject *counts_get(CountsObject *self, void *offset) {
    return PyLong_FromLong(__atomic_load_n((int *)((char *)self + (size_t)offset), __ATOMIC_ACQUIRE));
}

static int counts_set(CountsObject *self, PyObject *value, void *offset) {
    if (value == NULL) {
        PyErr_SetString(PyExc_AttributeError, "cannot delete a count");
        return -1;
    }
    long v = PyLong_AsLong(value);
    if (v == -1 && PyErr_Occurred()) return -1;
    __atomic_store_n((int *)((char *)self + (size_t)offset), (int)v, __ATOMIC_RELEASE);
    return 0;
}

static int counts_init(CountsObject *self, PyObject *args, PyObject *kw) {
    static char *names[] = {"sent", "ready", "status", "unsynced", NULL};
    self->sent = 1;
    self->ready = 0;
    self->status = 'I';
    self->unsynced = 0;
    return PyArg_ParseTupleAndKeywords(args, kw, "|iiii", names, &self->sent, &self->ready, &self->status,
                                       &self->unsynced) ? 0 : -1;
}

#define COUNT(name) {#name, (getter)counts_get, (setter)counts_set, NULL, (void *)offsetof(CountsObject, name)}
static PyGetSetDef counts_getset[] = {COUNT(sent), COUNT(ready), COUNT(status), COUNT(unsynced), {NULL}};

static PyTypeObject CountsType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "blastwall.doors.pg_proxy._lane.Counts",
    .tp_basicsize = sizeof(CountsObject),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "The counters both directions of a connection share (sent, ready, status, unsynced).",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)counts_init,
    .tp_getset = counts_getset,
};

/* ---- Plane and Port -------------------------------------------------------------------------- */

typedef struct PortObject PortObject;

typedef struct Watch {
    Target t;
    int fd;
    int dead;
    PyObject *handler;
    struct Watch *next;
} Watch;

typedef struct {
    int what;
    PortObject *port;
    Watch *watch;
    Py_ssize_t start, len; /* C_DATA: a slice of the read buffer */
    int mask;              /* C_EVENT */
} Call;

typedef struct {
    PyObject_HEAD
    int ep, wake;
    Target wake_t;
    pthread_t thread;
    int started, stopping, stopped;
    pthread_mutex_t mu;
    Watch *watches;
    PortObject *closing; /* ports waiting to send what is left before they close */
    PyObject **release;  /* references to drop after the current batch of events */
    Py_ssize_t nrelease, caprelease;
    char *buf;
    char *scratch; /* a mask key is built here */
    Call calls[MAX_CALLS];
    int ncalls;
} PlaneObject;

struct PortObject {
    PyObject_HEAD
    Target t;
    PlaneObject *plane;
    int fd;
    PyObject *acquire, *release, *on_data, *on_lost, *on_full, *on_drained;
    char *out;
    size_t out_start, out_len, out_cap;
    int registered, reading, writing, closed, closing, full, mask;
    double close_at;
    PortObject *next_closing;
    /* the fast lane */
    PortObject *peer;
    CountsObject *counts;
    int role, fast, delivering, want_fast;
    int handling;       /* the owner's data handler for this port is running (under the owner's lock) */
    uint32_t skip, want_skip;
    unsigned char hold[256], want_hold[256];
    PyObject *cache;    /* the session's allow cache (an OrderedDict of keys), or NULL */
    unsigned long gen;  /* bumped by every fast(), slow() and close */
};

static PyObject *move_to_end; /* "move_to_end", interned */

static PyTypeObject PortType;

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static inline uint32_t be32(const unsigned char *p) {
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | (uint32_t)p[3];
}

/* Take `mu` from Python, GIL held (see the top: the GIL is never awaited while `mu` is held). */
static void lock_mu(PlaneObject *plane) { pthread_mutex_lock(&plane->mu); }

/* Where callbacks go: the plane thread's list, or a Python caller's own (run before it returns). */
static _Thread_local Call *queue;
static _Thread_local int *nqueue;

/* The plane thread's Python thread state: made once, so that taking the GIL for a callback is
 * a restore, not a new thread state each time. */
static _Thread_local PyThreadState *plane_ts;


/* Drop `obj` once the current batch is done (mu held). */
static void release_later(PlaneObject *plane, PyObject *obj) {
    if (obj == NULL) return;
    if (plane->nrelease == plane->caprelease) {
        Py_ssize_t cap = plane->caprelease ? plane->caprelease * 2 : 64;
        PyObject **grown = realloc(plane->release, (size_t)cap * sizeof(PyObject *));
        if (grown == NULL) return; /* leak rather than free what may be in use */
        plane->release = grown;
        plane->caprelease = cap;
    }
    plane->release[plane->nrelease++] = obj;
}

/* Drop what release_later kept (GIL held, mu not held). */
static void drain_releases(PlaneObject *plane) {
    pthread_mutex_lock(&plane->mu);
    Py_ssize_t n = plane->nrelease;
    PyObject **items = plane->release;
    plane->release = NULL;
    plane->nrelease = plane->caprelease = 0;
    pthread_mutex_unlock(&plane->mu);
    for (Py_ssize_t i = 0; i < n; i++) Py_DECREF(items[i]);
    free(items);
}

static void push_call(PlaneObject *plane, int what, PortObject *port, Py_ssize_t start, Py_ssize_t len) {
    if (queue == NULL || *nqueue >= MAX_CALLS) return; /* cannot happen: an event queues at most a handful */
    Call *c = &queue[(*nqueue)++];
    c->what = what;
    c->port = port;
    c->watch = NULL;
    c->start = start;
    c->len = len;
    c->mask = 0;
}

static void set_mask(PortObject *p) {
    if (!p->registered) return;
    int mask = (p->reading ? (EPOLLIN | EPOLLRDHUP) : 0) | (p->writing ? EPOLLOUT : 0);
    if (mask == p->mask) return;
    struct epoll_event ev = {.events = (uint32_t)mask, .data.ptr = &p->t};
    if (epoll_ctl(p->plane->ep, EPOLL_CTL_MOD, p->fd, &ev) == 0) p->mask = mask;
}

/* Close now (mu held): what is unsent is dropped. No callback: the owner asked, or will be told. */
static void close_now(PortObject *p) {
    if (p->closed) return;
    PlaneObject *plane = p->plane;
    if (p->closing) { /* off the list of ports waiting to send their rest */
        PortObject **link = &plane->closing;
        while (*link && *link != p) link = &(*link)->next_closing;
        if (*link == p) *link = p->next_closing;
        p->next_closing = NULL;
    }
    p->closed = 1;
    p->closing = p->reading = p->writing = p->fast = p->want_fast = 0;
    free(p->out);
    p->out = NULL;
    p->out_start = p->out_len = p->out_cap = 0;
    if (p->registered) {
        epoll_ctl(plane->ep, EPOLL_CTL_DEL, p->fd, NULL);
        p->registered = 0;
        release_later(plane, (PyObject *)p); /* the plane's reference */
    }
    if (p->fd >= 0) close(p->fd);
    p->fd = -1;
    release_later(plane, (PyObject *)p->peer);
    release_later(plane, (PyObject *)p->counts);
    release_later(plane, p->cache);
    p->peer = NULL;
    p->counts = NULL;
    p->cache = NULL;
    p->gen++;
}

static void lost(PortObject *p) {
    if (p->closed) return;
    close_now(p);
    push_call(p->plane, C_LOST, p, 0, 0);
}

/* Write (mu held): send what the kernel takes, keep the rest; queue `on_full` past high water. */
static void port_write(PortObject *p, const char *data, size_t len) {
    if (p->closed || p->closing || len == 0) return;
    size_t sent = 0;
    if (p->out_len == 0) {
        for (;;) {
            ssize_t n = send(p->fd, data + sent, len - sent, MSG_NOSIGNAL);
            if (n > 0) {
                sent += (size_t)n;
                if (sent == len) return;
                continue;
            }
            if (n < 0 && errno == EINTR) continue;
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
            lost(p);
            return;
        }
    }
    size_t rest = len - sent;
    if (p->out_start + p->out_len + rest > p->out_cap) {
        if (p->out_start) {
            memmove(p->out, p->out + p->out_start, p->out_len);
            p->out_start = 0;
        }
        if (p->out_len + rest > p->out_cap) {
            size_t cap = p->out_cap ? p->out_cap : 64 * 1024;
            while (cap < p->out_len + rest) cap *= 2;
            char *grown = realloc(p->out, cap);
            if (grown == NULL) {
                lost(p);
                return;
            }
            p->out = grown;
            p->out_cap = cap;
        }
    }
    memcpy(p->out + p->out_start + p->out_len, data + sent, rest);
    p->out_len += rest;
    if (!p->writing) {
        p->writing = 1;
        set_mask(p);
    }
    if (!p->full && p->out_len > HIGH_WATER) {
        p->full = 1;
        push_call(p->plane, C_FULL, p, 0, 0);
    }
}

static void writable(PortObject *p) {
    while (p->out_len) {
        ssize_t n = send(p->fd, p->out + p->out_start, p->out_len, MSG_NOSIGNAL);
        if (n > 0) {
            p->out_start += (size_t)n;
            p->out_len -= (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
        lost(p);
        return;
    }
    if (p->out_len) {
        if (p->full && p->out_len < LOW_WATER) {
            p->full = 0;
            push_call(p->plane, C_DRAINED, p, 0, 0);
        }
        return;
    }
    p->out_start = 0;
    p->writing = 0;
    set_mask(p);
    if (p->closing) {
        close_now(p);
    } else if (p->full) {
        p->full = 0;
        push_call(p->plane, C_DRAINED, p, 0, 0);
    }
}

/* Stop framing and hand data[at:] to the owner (mu held). */
static void handoff(PortObject *p, Py_ssize_t at, Py_ssize_t n) {
    p->fast = 0;
    p->skip = 0;
    p->delivering = 1;
    push_call(p->plane, C_DATA, p, at, n - at);
}

static inline int is_word(unsigned char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/* shapes.mask: string contents (quotes without backslashes) as '?', then digit runs that are
 * not part of a word as ?. `out` has room for SHAPED_LEN + 2 * n bytes; returns the length. */
static size_t mask(const unsigned char *sql, size_t n, char *out) {
    char *t = out + SHAPED_LEN;
    size_t m = 0;
    for (size_t i = 0; i < n;) {
        if (sql[i] == '\'') {
            size_t j = i + 1;
            while (j < n && sql[j] != '\'' && sql[j] != '\\') j++;
            if (j < n && sql[j] == '\'') {
                t[m++] = '\'';
                t[m++] = '?';
                t[m++] = '\'';
                i = j + 1;
                continue;
            }
        }
        t[m++] = (char)sql[i++];
    }
    size_t k = 0;
    for (size_t i = 0; i < m;) {
        unsigned char c = (unsigned char)t[i];
        if (c >= '0' && c <= '9') {
            size_t j = i;
            while (j < m && t[j] >= '0' && t[j] <= '9') j++;
            int alone = (i == 0 || !is_word((unsigned char)t[i - 1])) && (j == m || !is_word((unsigned char)t[j]));
            if (alone) {
                out[SHAPED_LEN + k++] = '?';
            } else {
                memmove(out + SHAPED_LEN + k, t + i, j - i);
                k += j - i;
            }
            i = j;
            continue;
        }
        out[SHAPED_LEN + k++] = (char)c;
        i++;
    }
    memcpy(out, SHAPED, SHAPED_LEN);
    return SHAPED_LEN + k;
}

/* Whether `key` is in the allow cache (GIL held); a hit becomes the most recent, as in Cache. */
static int cache_has(PyObject *cache, const char *key, size_t len) {
    PyObject *k = PyBytes_FromStringAndSize(key, (Py_ssize_t)len);
    if (k == NULL) {
        PyErr_Clear();
        return 0;
    }
    int hit = PyDict_Contains(cache, k);
    if (hit == 1) {
        PyObject *r = PyObject_CallMethodOneArg(cache, move_to_end, k);
        if (r == NULL) PyErr_Clear(); /* evicted meanwhile: still allowed when it was looked up */
        Py_XDECREF(r);
    } else if (hit < 0) {
        PyErr_Clear();
        hit = 0;
    }
    Py_DECREF(k);
    return hit == 1;
}

/* Whether the session's cache allows this Query, by text or by mask (mu held on entry and on
 * return; released while the GIL is held). -1: the port changed meanwhile. */
static int query_allowed(PortObject *p, const unsigned char *sql, size_t n) {
    PlaneObject *plane = p->plane;
    unsigned long gen = p->gen;
    PyObject *cache = p->cache; /* replaced only through release_later: alive for this batch */
    size_t klen = n <= MASK_MAX ? mask(sql, n, plane->scratch) : 0;
    pthread_mutex_unlock(&plane->mu);
    PyEval_RestoreThread(plane_ts);
    int hit = cache_has(cache, (const char *)sql, n) || (klen && cache_has(cache, plane->scratch, klen));
    plane_ts = PyEval_SaveThread();
    pthread_mutex_lock(&plane->mu);
    if (p->gen != gen || p->closed || !p->fast) return -1;
    return hit;
}

/* Frame a chunk read by a fast port and forward it to the peer (mu held). */
static void forward(PortObject *p, const unsigned char *data, Py_ssize_t n) {
    PortObject *peer = p->peer;
    CountsObject *c = p->counts;
    Py_ssize_t pos = 0, sent = 0;
    if (p->skip) {
        if ((Py_ssize_t)p->skip >= n) {
            p->skip -= (uint32_t)n;
            port_write(peer, (const char *)data, (size_t)n);
            return;
        }
        pos = p->skip;
        p->skip = 0;
    }
    int server = p->role == ROLE_SERVER;
    while (n - pos >= 5) {
        unsigned char kind = data[pos];
        uint32_t length = be32(data + pos + 1);
        if (length < 4 || p->hold[kind]) break; /* the owner reads it (or refuses a malformed one) */
        Py_ssize_t end = pos + 1 + (Py_ssize_t)length;
        if (server) {
            if (kind == 'Z') {
                if (end > n || length != 5) break;
                __atomic_store_n(&c->status, data[pos + 5], __ATOMIC_RELEASE);
                __atomic_add_fetch(&c->ready, 1, __ATOMIC_ACQ_REL);
            }
        } else if (kind == 'Q') {
            const unsigned char *sql = data + pos + 5, *nul;
            if (end > n || p->cache == NULL || (nul = memchr(sql, 0, (size_t)(end - pos - 5))) == NULL) break;
            if (pos > sent) port_write(peer, (const char *)data + sent, (size_t)(pos - sent));
            sent = pos;
            int allowed = query_allowed(p, sql, (size_t)(nul - sql));
            if (allowed != 1 || peer->closed) break;
            __atomic_add_fetch(&c->sent, 1, __ATOMIC_ACQ_REL);
        } else if (kind == 'S') {
            __atomic_add_fetch(&c->sent, 1, __ATOMIC_ACQ_REL);
            __atomic_store_n(&c->unsynced, 0, __ATOMIC_RELEASE);
        } else if (kind == 'B' || kind == 'D' || kind == 'E' || kind == 'C') {
            __atomic_store_n(&c->unsynced, 1, __ATOMIC_RELEASE);
        }
        if (end > n) {
            p->skip = (uint32_t)(end - n);
            pos = n;
            break;
        }
        pos = end;
    }
    if (pos > sent) port_write(peer, (const char *)data + sent, (size_t)(pos - sent));
    if (pos < n) handoff(p, pos, n);
}

static void readable(PortObject *p) {
    PlaneObject *plane = p->plane;
    ssize_t n;
    for (;;) {
        n = recv(p->fd, plane->buf, READ_SIZE, 0);
        if (n >= 0 || errno != EINTR) break;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    if (n <= 0) {
        lost(p);
        return;
    }
    if (p->fast && p->peer && !p->peer->closed) {
        forward(p, (const unsigned char *)plane->buf, n);
    } else {
        p->delivering = 1;
        push_call(plane, C_DATA, p, 0, n);
    }
}

static void port_event(PortObject *p, uint32_t events) {
    if (p->closed) return;
    if (events & EPOLLOUT) {
        writable(p);
        if (p->closed || p->closing) return;
    }
    if ((events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) && p->reading) readable(p);
    else if ((events & (EPOLLHUP | EPOLLERR)) && !p->writing) lost(p);
}

/* Run what an event queued (mu not held, GIL held), with the owner's lock. A `fast()` asked for
 * before the owner's lock was taken was decided without this data: it is forgotten, and the
 * handler asks again if it still holds. */
static void call_owner(PortObject *p, PyObject **slot, PyObject *arg) {
    PyObject *r = PyObject_CallNoArgs(p->acquire);
    if (r == NULL) {
        PyErr_WriteUnraisable(p->acquire);
        return;
    }
    Py_DECREF(r);
    PyObject *fn = *slot; /* read under the owner's lock: close() clears it */
    if (arg != NULL) {
        pthread_mutex_lock(&p->plane->mu);
        p->want_fast = 0;
        p->handling = 1;
        pthread_mutex_unlock(&p->plane->mu);
    }
    if (fn == NULL) {
        r = PyObject_CallNoArgs(p->release);
        if (r == NULL) PyErr_WriteUnraisable(p->release);
        Py_XDECREF(r);
        return;
    }
    Py_INCREF(fn);
    r = arg ? PyObject_CallOneArg(fn, arg) : PyObject_CallNoArgs(fn);
    if (r == NULL) PyErr_WriteUnraisable(fn);
    Py_XDECREF(r);
    Py_DECREF(fn);
    r = PyObject_CallNoArgs(p->release);
    if (r == NULL) PyErr_WriteUnraisable(p->release);
    Py_XDECREF(r);
}

static void apply_wanted(PortObject *p) {
    pthread_mutex_lock(&p->plane->mu);
    p->delivering = 0;
    p->handling = 0;
    if (p->want_fast && !p->closed) {
        p->fast = 1;
        p->skip = p->want_skip;
        memcpy(p->hold, p->want_hold, sizeof p->hold);
    }
    p->want_fast = 0;
    pthread_mutex_unlock(&p->plane->mu);
}

static void run_calls(PlaneObject *plane) {
    PyEval_RestoreThread(plane_ts);
    for (int i = 0; i < plane->ncalls; i++) {
        Call *c = &plane->calls[i];
        PortObject *p = c->port;
        switch (c->what) {
        case C_DATA: {
            PyObject *data = PyBytes_FromStringAndSize(plane->buf + c->start, c->len);
            if (data == NULL) {
                PyErr_WriteUnraisable(NULL);
            } else {
                call_owner(p, &p->on_data, data);
                Py_DECREF(data);
            }
            apply_wanted(p);
            break;
        }
        case C_LOST: call_owner(p, &p->on_lost, NULL); break;
        case C_FULL: call_owner(p, &p->on_full, NULL); break;
        case C_DRAINED: call_owner(p, &p->on_drained, NULL); break;
        case C_EVENT: {
            Watch *w = c->watch;
            if (!w->dead) {
                PyObject *r = PyObject_CallMethod(w->handler, "event", "i", c->mask);
                if (r == NULL) PyErr_WriteUnraisable(w->handler);
                Py_XDECREF(r);
            }
            break;
        }
        }
    }
    plane->ncalls = 0;
    plane_ts = PyEval_SaveThread();
}

static void *plane_main(void *arg) {
    PlaneObject *plane = arg;
    struct epoll_event events[MAX_EVENTS];
    queue = plane->calls;
    nqueue = &plane->ncalls;
    PyGILState_STATE gil = PyGILState_Ensure();
    plane_ts = PyEval_SaveThread();
    while (!__atomic_load_n(&plane->stopping, __ATOMIC_ACQUIRE)) {
        int timeout = 1000;
        pthread_mutex_lock(&plane->mu);
        if (plane->closing) {
            double t = now_s(), first = plane->closing->close_at;
            for (PortObject *p = plane->closing; p; p = p->next_closing)
                if (p->close_at < first) first = p->close_at;
            timeout = first <= t ? 0 : (int)((first - t) * 1000) + 1;
        }
        pthread_mutex_unlock(&plane->mu);
        int n = epoll_wait(plane->ep, events, MAX_EVENTS, timeout);
        if (n < 0 && errno != EINTR) break;
        for (int i = 0; i < n; i++) {
            Target *t = events[i].data.ptr;
            if (t->kind == K_WAKE) {
                uint64_t v;
                while (read(plane->wake, &v, sizeof v) > 0) {
                }
                continue;
            }
            pthread_mutex_lock(&plane->mu);
            if (t->kind == K_PORT) {
                port_event((PortObject *)t->obj, events[i].events);
            } else if (t->kind == K_WATCH && !((Watch *)t->obj)->dead && plane->ncalls < MAX_CALLS) {
                Call *c = &plane->calls[plane->ncalls++];
                c->what = C_EVENT;
                c->watch = t->obj;
                c->port = NULL;
                c->mask = (int)events[i].events;
            }
            pthread_mutex_unlock(&plane->mu);
            if (plane->ncalls) run_calls(plane);
        }
        pthread_mutex_lock(&plane->mu);
        double t = now_s();
        for (PortObject *p = plane->closing, *next; p; p = next) {
            next = p->next_closing;
            if (p->close_at <= t) close_now(p); /* a peer that never reads is not waited for */
        }
        int pending = plane->nrelease > 0;
        pthread_mutex_unlock(&plane->mu);
        if (pending) {
            PyEval_RestoreThread(plane_ts);
            drain_releases(plane);
            plane_ts = PyEval_SaveThread();
        }
    }
    PyEval_RestoreThread(plane_ts);
    PyGILState_Release(gil);
    return NULL;
}

/* ---- Plane methods --------------------------------------------------------------------------- */

static PyObject *plane_new(PyTypeObject *type, PyObject *args, PyObject *kw) {
    PlaneObject *self = (PlaneObject *)type->tp_alloc(type, 0);
    if (self == NULL) return NULL;
    self->ep = self->wake = -1;
    self->buf = malloc(READ_SIZE);
    self->scratch = malloc(SHAPED_LEN + 2 * MASK_MAX + 16);
    self->ep = epoll_create1(EPOLL_CLOEXEC);
    self->wake = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (self->buf == NULL || self->scratch == NULL || self->ep < 0 || self->wake < 0) {
        PyErr_SetFromErrno(PyExc_OSError);
        Py_DECREF(self);
        return NULL;
    }
    pthread_mutex_init(&self->mu, NULL);
    self->wake_t.kind = K_WAKE;
    self->wake_t.obj = self;
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &self->wake_t};
    epoll_ctl(self->ep, EPOLL_CTL_ADD, self->wake, &ev);
    return (PyObject *)self;
}

static void wake(PlaneObject *plane) {
    uint64_t one = 1;
    if (plane->wake >= 0 && write(plane->wake, &one, sizeof one) < 0) {
        /* a full counter already wakes the thread */
    }
}

static PyObject *plane_start(PlaneObject *self, PyObject *unused) {
    if (self->started) Py_RETURN_NONE;
    if (pthread_create(&self->thread, NULL, plane_main, self) != 0) return PyErr_SetFromErrno(PyExc_OSError);
    self->started = 1;
    Py_INCREF(self); /* the thread's reference, dropped by stop() */
    Py_RETURN_NONE;
}

static PyObject *plane_stop(PlaneObject *self, PyObject *unused) {
    if (self->started && !self->stopped) {
        __atomic_store_n(&self->stopping, 1, __ATOMIC_RELEASE);
        wake(self);
        if (!pthread_equal(pthread_self(), self->thread)) {
            Py_BEGIN_ALLOW_THREADS pthread_join(self->thread, NULL);
            Py_END_ALLOW_THREADS
        } else {
            pthread_detach(self->thread);
        }
        self->stopped = 1;
        pthread_mutex_lock(&self->mu);
        while (self->closing) close_now(self->closing);
        pthread_mutex_unlock(&self->mu);
        drain_releases(self);
        Py_DECREF(self);
    }
    Py_RETURN_NONE;
}

static PyObject *plane_register(PlaneObject *self, PyObject *args) {
    int fd, mask;
    PyObject *handler;
    if (!PyArg_ParseTuple(args, "iOi", &fd, &handler, &mask)) return NULL;
    Watch *w = calloc(1, sizeof(Watch));
    if (w == NULL) return PyErr_NoMemory();
    w->t.kind = K_WATCH;
    w->t.obj = w;
    w->fd = fd;
    Py_INCREF(handler);
    w->handler = handler;
    lock_mu(self);
    w->next = self->watches;
    self->watches = w;
    struct epoll_event ev = {.events = (uint32_t)mask, .data.ptr = &w->t};
    int rc = epoll_ctl(self->ep, EPOLL_CTL_ADD, fd, &ev);
    pthread_mutex_unlock(&self->mu);
    if (rc < 0) {
        w->dead = 1;
        return PyErr_SetFromErrno(PyExc_OSError);
    }
    Py_RETURN_NONE;
}

static PyObject *plane_unregister(PlaneObject *self, PyObject *arg) {
    int fd = PyLong_AsLong(arg);
    if (fd == -1 && PyErr_Occurred()) return NULL;
    lock_mu(self);
    for (Watch *w = self->watches; w; w = w->next) {
        if (w->fd == fd && !w->dead) {
            w->dead = 1; /* freed with the plane: this thread may hold it in a batch */
            epoll_ctl(self->ep, EPOLL_CTL_DEL, fd, NULL);
        }
    }
    pthread_mutex_unlock(&self->mu);
    Py_RETURN_NONE;
}

static PyObject *plane_here(PlaneObject *self, void *unused) {
    return PyBool_FromLong(self->started && pthread_equal(pthread_self(), self->thread));
}

static void plane_dealloc(PlaneObject *self) {
    for (Watch *w = self->watches, *next; w; w = next) {
        next = w->next;
        Py_XDECREF(w->handler);
        free(w);
    }
    if (self->ep >= 0) close(self->ep);
    if (self->wake >= 0) close(self->wake);
    for (Py_ssize_t i = 0; i < self->nrelease; i++) Py_DECREF(self->release[i]);
    free(self->release);
    free(self->buf);
    free(self->scratch);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyMethodDef plane_methods[] = {
    {"start", (PyCFunction)plane_start, METH_NOARGS, "Start the data plane's thread."},
    {"stop", (PyCFunction)plane_stop, METH_NOARGS, "Stop the thread and close ports that were closing."},
    {"register", (PyCFunction)plane_register, METH_VARARGS,
     "register(fd, handler, mask): call handler.event(mask) on the plane's thread when fd is ready."},
    {"unregister", (PyCFunction)plane_unregister, METH_O, "Stop watching fd (a registered handler)."},
    {NULL}};

static PyGetSetDef plane_getset[] = {{"here", (getter)plane_here, NULL, "Whether this is the plane's thread.", NULL},
                                     {NULL}};

static PyTypeObject PlaneType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "blastwall.doors.pg_proxy._lane.Plane",
    .tp_basicsize = sizeof(PlaneObject),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "The compiled data plane: one thread that polls and relays every port.",
    .tp_new = plane_new,
    .tp_dealloc = (destructor)plane_dealloc,
    .tp_methods = plane_methods,
    .tp_getset = plane_getset,
};

/* ---- Port methods ---------------------------------------------------------------------------- */

static int port_init(PortObject *self, PyObject *args, PyObject *kw) {
    static char *names[] = {"plane", "fd", "lock", "on_data", "on_lost", "on_full", "on_drained", NULL};
    PyObject *plane, *lock, *on_data, *on_lost, *on_full, *on_drained;
    int fd;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "O!iOOOOO", names, &PlaneType, &plane, &fd, &lock, &on_data, &on_lost,
                                     &on_full, &on_drained))
        return -1;
    if (self->plane != NULL) {
        PyErr_SetString(PyExc_RuntimeError, "a port is initialised once");
        return -1;
    }
    self->acquire = PyObject_GetAttrString(lock, "acquire");
    self->release = PyObject_GetAttrString(lock, "release");
    if (self->acquire == NULL || self->release == NULL) return -1;
    Py_INCREF(plane);
    self->plane = (PlaneObject *)plane;
    self->fd = fd;
    self->t.kind = K_PORT;
    self->t.obj = self;
    Py_INCREF(on_data);
    Py_INCREF(on_lost);
    Py_INCREF(on_full);
    Py_INCREF(on_drained);
    self->on_data = on_data;
    self->on_lost = on_lost;
    self->on_full = on_full;
    self->on_drained = on_drained;
    return 0;
}

static PyObject *port_new(PyTypeObject *type, PyObject *args, PyObject *kw) {
    PortObject *self = (PortObject *)type->tp_alloc(type, 0);
    if (self != NULL) self->fd = -1;
    return (PyObject *)self;
}

static void port_dealloc(PortObject *self) {
    if (self->fd >= 0) close(self->fd); /* never started */
    free(self->out);
    Py_XDECREF(self->peer);
    Py_XDECREF(self->counts);
    Py_XDECREF(self->cache);
    Py_XDECREF(self->acquire);
    Py_XDECREF(self->release);
    Py_XDECREF(self->on_data);
    Py_XDECREF(self->on_lost);
    Py_XDECREF(self->on_full);
    Py_XDECREF(self->on_drained);
    Py_XDECREF(self->plane);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static int check_port(PortObject *self) {
    if (self->plane == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "the port is not initialised");
        return -1;
    }
    return 0;
}

/* Run the callbacks a call from Python queued (mu released; the caller holds the owner's lock). */
static void run_direct(PlaneObject *plane, Call *calls, int n) {
    for (int i = 0; i < n; i++) {
        PortObject *p = calls[i].port;
        PyObject *fn = calls[i].what == C_LOST ? p->on_lost : calls[i].what == C_FULL ? p->on_full : p->on_drained;
        if (fn == NULL) continue;
        Py_INCREF(fn);
        PyObject *r = PyObject_CallNoArgs(fn);
        if (r == NULL) PyErr_WriteUnraisable(fn);
        Py_XDECREF(r);
        Py_DECREF(fn);
    }
}

/* Python calls queue callbacks in their own list and run them before they return. */
#define WITH_OWN_CALLS(plane, body)                                                                                    \
    do {                                                                                                               \
        Call own[MAX_CALLS];                                                                                           \
        int nown = 0;                                                                                                  \
        Call *saved_queue = queue;                                                                                     \
        int *saved_nqueue = nqueue;                                                                                    \
        queue = own;                                                                                                   \
        nqueue = &nown;                                                                                                \
        lock_mu(plane);                                                                                                \
        body;                                                                                                          \
        pthread_mutex_unlock(&(plane)->mu);                                                                            \
        queue = saved_queue;                                                                                           \
        nqueue = saved_nqueue;                                                                                         \
        run_direct(plane, own, nown);                                                                                  \
    } while (0)

static PyObject *port_start(PortObject *self, PyObject *unused) {
    if (check_port(self) < 0) return NULL;
    PlaneObject *plane = self->plane;
    int rc = 0;
    lock_mu(plane);
    if (!self->registered && !self->closed) {
        self->reading = 1;
        self->mask = EPOLLIN | EPOLLRDHUP;
        struct epoll_event ev = {.events = (uint32_t)self->mask, .data.ptr = &self->t};
        rc = epoll_ctl(plane->ep, EPOLL_CTL_ADD, self->fd, &ev);
        if (rc == 0) {
            self->registered = 1;
            Py_INCREF(self); /* the plane's reference, dropped when it closes */
        }
    }
    pthread_mutex_unlock(&plane->mu);
    if (rc < 0) return PyErr_SetFromErrno(PyExc_OSError);
    Py_RETURN_NONE;
}

static PyObject *port_write_py(PortObject *self, PyObject *arg) {
    if (check_port(self) < 0) return NULL;
    Py_buffer view;
    if (PyObject_GetBuffer(arg, &view, PyBUF_SIMPLE) < 0) return NULL;
    WITH_OWN_CALLS(self->plane, port_write(self, view.buf, (size_t)view.len));
    PyBuffer_Release(&view);
    Py_RETURN_NONE;
}

static PyObject *port_pause(PortObject *self, PyObject *unused) {
    if (check_port(self) < 0) return NULL;
    lock_mu(self->plane);
    if (self->reading) {
        self->reading = 0;
        set_mask(self);
    }
    pthread_mutex_unlock(&self->plane->mu);
    Py_RETURN_NONE;
}

static PyObject *port_resume(PortObject *self, PyObject *unused) {
    if (check_port(self) < 0) return NULL;
    lock_mu(self->plane);
    if (!self->reading && !self->closed && !self->closing) {
        self->reading = 1;
        set_mask(self);
    }
    pthread_mutex_unlock(&self->plane->mu);
    Py_RETURN_NONE;
}

static PyObject *port_close(PortObject *self, PyObject *unused) {
    if (check_port(self) < 0) return NULL;
    PlaneObject *plane = self->plane;
    lock_mu(plane);
    if (!self->closed && !self->closing) {
        if (self->out_len && self->registered) {
            self->closing = 1;
            self->reading = self->fast = self->want_fast = 0;
            set_mask(self);
            self->close_at = now_s() + CLOSE_WAIT_S;
            self->next_closing = plane->closing;
            plane->closing = self;
            wake(plane);
        } else {
            close_now(self);
        }
    }
    /* the owner is done with this port: break the owner -> port -> callback -> owner cycle */
    release_later(plane, self->on_data);
    release_later(plane, self->on_lost);
    release_later(plane, self->on_full);
    release_later(plane, self->on_drained);
    self->on_data = self->on_lost = self->on_full = self->on_drained = NULL;
    pthread_mutex_unlock(&plane->mu);
    Py_RETURN_NONE;
}

static PyObject *port_link(PortObject *self, PyObject *args) {
    PyObject *peer, *counts;
    int role;
    if (check_port(self) < 0) return NULL;
    if (!PyArg_ParseTuple(args, "O!iO!", &PortType, &peer, &role, &CountsType, &counts)) return NULL;
    if (role != ROLE_CLIENT && role != ROLE_SERVER) {
        PyErr_SetString(PyExc_ValueError, "role is CLIENT or SERVER");
        return NULL;
    }
    lock_mu(self->plane);
    PyObject *old_peer = (PyObject *)self->peer, *old_counts = (PyObject *)self->counts;
    if (self->closed) {
        pthread_mutex_unlock(&self->plane->mu);
        Py_RETURN_NONE;
    }
    Py_INCREF(peer);
    Py_INCREF(counts);
    self->peer = (PortObject *)peer;
    self->counts = (CountsObject *)counts;
    self->role = role;
    release_later(self->plane, old_peer);
    release_later(self->plane, old_counts);
    pthread_mutex_unlock(&self->plane->mu);
    Py_RETURN_NONE;
}

/* Replace the port's allow cache (mu held). */
static int set_cache(PortObject *self, PyObject *cache) {
    if (cache == Py_None) cache = NULL;
    if (cache != NULL && !PyDict_Check(cache)) {
        PyErr_SetString(PyExc_TypeError, "the cache is a dict (an OrderedDict) of allowed keys");
        return -1;
    }
    if (cache == self->cache) return 0;
    Py_XINCREF(cache);
    release_later(self->plane, self->cache);
    self->cache = self->closed ? NULL : cache;
    if (self->closed) release_later(self->plane, cache);
    return 0;
}

static PyObject *port_use_cache(PortObject *self, PyObject *cache) {
    if (check_port(self) < 0) return NULL;
    lock_mu(self->plane);
    int rc = set_cache(self, cache);
    pthread_mutex_unlock(&self->plane->mu);
    if (rc < 0) return NULL;
    Py_RETURN_NONE;
}

static PyObject *port_fast(PortObject *self, PyObject *args) {
    unsigned int skip;
    Py_buffer hold;
    PyObject *cache = Py_None;
    if (check_port(self) < 0) return NULL;
    if (!PyArg_ParseTuple(args, "Iy*|O", &skip, &hold, &cache)) return NULL;
    if (cache != Py_None && !PyDict_Check(cache)) {
        PyBuffer_Release(&hold);
        PyErr_SetString(PyExc_TypeError, "the cache is a dict (an OrderedDict) of allowed keys");
        return NULL;
    }
    unsigned char table[256] = {0};
    for (Py_ssize_t i = 0; i < hold.len; i++) table[((unsigned char *)hold.buf)[i]] = 1;
    PyBuffer_Release(&hold);
    int linked, taken = 0;
    lock_mu(self->plane);
    linked = self->peer != NULL && self->counts != NULL;
    if (linked && !self->closed && !self->closing && self->delivering && !self->handling) {
        /* Data read for the owner waits for the owner's lock, which this caller holds: its handler
         * will see it with the owner's framing (`skip` included) and ask again. Nothing is taken. */
    } else if (linked && !self->closed && !self->closing) {
        self->gen++;
        set_cache(self, cache);
        taken = 1;
        if (self->delivering) { /* applied when the owner's handler returns, in order */
            self->want_fast = 1;
            self->want_skip = skip;
            memcpy(self->want_hold, table, sizeof table);
        } else {
            self->fast = 1;
            self->skip = skip;
            memcpy(self->hold, table, sizeof table);
        }
    }
    pthread_mutex_unlock(&self->plane->mu);
    if (!linked) {
        PyErr_SetString(PyExc_RuntimeError, "link the port to its peer first");
        return NULL;
    }
    return PyBool_FromLong(taken);
}

static PyObject *port_slow(PortObject *self, PyObject *unused) {
    if (check_port(self) < 0) return NULL;
    lock_mu(self->plane);
    uint32_t skip = self->fast ? self->skip : self->want_fast ? self->want_skip : 0;
    self->gen++;
    self->fast = self->want_fast = 0;
    self->skip = 0;
    pthread_mutex_unlock(&self->plane->mu);
    return PyLong_FromUnsignedLong(skip);
}

static PyObject *port_is_fast(PortObject *self, void *unused) {
    return PyBool_FromLong(self->fast || self->want_fast);
}

static PyObject *port_is_closed(PortObject *self, void *unused) { return PyBool_FromLong(self->closed); }

static PyMethodDef port_methods[] = {
    {"start", (PyCFunction)port_start, METH_NOARGS, "Start reading."},
    {"write", (PyCFunction)port_write_py, METH_O, "Send bytes (what the kernel does not take now is buffered)."},
    {"pause_reading", (PyCFunction)port_pause, METH_NOARGS, "Stop reading until resume_reading()."},
    {"resume_reading", (PyCFunction)port_resume, METH_NOARGS, "Read again."},
    {"close", (PyCFunction)port_close, METH_NOARGS, "Close once what was written is sent (at most 5 s)."},
    {"link", (PyCFunction)port_link, METH_VARARGS, "link(peer, role, counts): where fast framing forwards to."},
    {"fast", (PyCFunction)port_fast, METH_VARARGS,
     "fast(skip, hold, cache=None) -> bool: frame and forward what this port reads, handing off at a message type in "
     "hold (and at a Query the cache does not allow); False when data read for the owner is still to be handed to "
     "it (the owner keeps its skip and asks again)."},
    {"slow", (PyCFunction)port_slow, METH_NOARGS, "Stop fast framing; return the bytes of a message still to come."},
    {"use_cache", (PyCFunction)port_use_cache, METH_O, "use_cache(table): the allow cache fast Queries are looked up in."},
    {NULL}};

static PyGetSetDef port_getset[] = {{"is_fast", (getter)port_is_fast, NULL, "Whether fast framing is on.", NULL},
                                    {"closed", (getter)port_is_closed, NULL, "Whether the socket is closed.", NULL},
                                    {NULL}};

static PyTypeObject PortType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "blastwall.doors.pg_proxy._lane.Port",
    .tp_basicsize = sizeof(PortObject),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Port(plane, fd, lock, on_data, on_lost, on_full, on_drained): one socket (the port owns fd).",
    .tp_new = port_new,
    .tp_init = (initproc)port_init,
    .tp_dealloc = (destructor)port_dealloc,
    .tp_methods = port_methods,
    .tp_getset = port_getset,
};

static PyObject *mask_py(PyObject *mod, PyObject *arg) {
    Py_buffer sql;
    if (PyObject_GetBuffer(arg, &sql, PyBUF_SIMPLE) < 0) return NULL;
    char *out = malloc(SHAPED_LEN + 2 * (size_t)sql.len + 16);
    if (out == NULL) {
        PyBuffer_Release(&sql);
        return PyErr_NoMemory();
    }
    size_t len = mask(sql.buf, (size_t)sql.len, out);
    PyBuffer_Release(&sql);
    PyObject *r = PyBytes_FromStringAndSize(out + SHAPED_LEN, (Py_ssize_t)(len - SHAPED_LEN));
    free(out);
    return r;
}

static PyMethodDef lane_functions[] = {
    {"mask", (PyCFunction)mask_py, METH_O, "shapes.mask, as the plane computes it (for the tests)."}, {NULL}};

static struct PyModuleDef lane_module = {PyModuleDef_HEAD_INIT, "_lane",
                                         "The pg-proxy's compiled data plane (see _lane.c).", -1, lane_functions};

PyMODINIT_FUNC PyInit__lane(void) {
    move_to_end = PyUnicode_InternFromString("move_to_end");
    if (move_to_end == NULL) return NULL;
    if (PyType_Ready(&CountsType) < 0 || PyType_Ready(&PlaneType) < 0 || PyType_Ready(&PortType) < 0) return NULL;
    PyObject *m = PyModule_Create(&lane_module);
    if (m == NULL) return NULL;
    Py_INCREF(&CountsType);
    Py_INCREF(&PlaneType);
    Py_INCREF(&PortType);
    if (PyModule_AddObject(m, "Counts", (PyObject *)&CountsType) < 0 ||
        PyModule_AddObject(m, "Plane", (PyObject *)&PlaneType) < 0 ||
        PyModule_AddObject(m, "Port", (PyObject *)&PortType) < 0 ||
        PyModule_AddIntConstant(m, "READ", EPOLLIN | EPOLLRDHUP) < 0 ||
        PyModule_AddIntConstant(m, "CLIENT", ROLE_CLIENT) < 0 ||
        PyModule_AddIntConstant(m, "SERVER", ROLE_SERVER) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
