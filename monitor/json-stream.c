/*
 * Splitting a QMP byte stream into top-level JSON texts (json-stream.h).
 */
#include "qemu/osdep.h"
#include "json-stream.h"

void json_stream_init(JsonStream *s, size_t max_size, int max_depth,
                      JsonStreamEmit *emit, void *opaque)
{
    memset(s, 0, sizeof(*s));
    s->buf = g_string_new(NULL);
    s->max_size = max_size;
    s->max_depth = max_depth;
    s->emit = emit;
    s->opaque = opaque;
}

static void start_over(JsonStream *s)
{
    g_string_truncate(s->buf, 0);
    s->depth = 0;
    s->in_string = s->escape = s->bare = s->skipping = false;
}

void json_stream_reset(JsonStream *s)
{
    start_over(s);
    s->bad_run = s->recovering = false;
}

void json_stream_destroy(JsonStream *s)
{
    g_string_free(s->buf, true);
    s->buf = NULL;
}

static void G_GNUC_PRINTF(2, 3) emit_error(JsonStream *s, const char *fmt,
                                           ...)
{
    va_list ap;
    g_autofree char *msg = NULL;

    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    s->emit(s->opaque, NULL, 0, msg);
}

/* The text in progress is complete: pass it on (unless oversize). */
static void emit_text(JsonStream *s)
{
    if (!s->skipping) {
        s->emit(s->opaque, s->buf->str, s->buf->len, NULL);
    }
    start_over(s);
}

/* Drop what was kept of an oversize text and skip the rest of it. */
static void start_skipping(JsonStream *s)
{
    s->skipping = true;
    g_string_truncate(s->buf, 0);
}

static void append(JsonStream *s, uint8_t c)
{
    if (s->skipping) {
        return;
    }
    if (s->buf->len >= s->max_size) {
        emit_error(s, "JSON parse error, input exceeds the size limit of "
                   "%zu bytes; the text was discarded", s->max_size);
        start_skipping(s);
        return;
    }
    g_string_append_c(s->buf, c);
}

static bool is_space(uint8_t c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Does c end a top-level scalar such as 42 or true? */
static bool ends_bare(uint8_t c)
{
    return is_space(c) || (c && strchr("{}[]\",:", c));
}

static void feed_byte(JsonStream *s, uint8_t c)
{
    if (s->recovering) {
        s->recovering = c != '\n';
        return;
    }
    if (c < 0x20 && (s->in_string || !is_space(c))) {
        bool had_text = s->depth > 0 || s->in_string || s->bare ||
                        s->skipping;

        start_over(s);
        /* One report per run of bad bytes, plus one per text they cut. */
        if (!s->bad_run || had_text) {
            emit_error(s, "JSON parse error, invalid control character "
                       "0x%02x", c);
        }
        s->bad_run = true;
        s->recovering = had_text && c != '\n';
        return;
    }
    s->bad_run = false;

    if (s->bare) {
        if (!ends_bare(c)) {
            append(s, c);
            return;
        }
        emit_text(s);
        /* c starts whatever comes next, at the top level. */
    }

    if (s->depth == 0 && !s->in_string) {
        if (is_space(c)) {
            return;
        }
        switch (c) {
        case '{':
        case '[':
            append(s, c);
            s->depth = 1;
            break;
        case '"':
            append(s, c);
            s->in_string = true;
            break;
        case '}':
        case ']':
        case ',':
        case ':':
            emit_error(s, "JSON parse error, stray '%c'", c);
            break;
        default:
            append(s, c);
            s->bare = true;
            break;
        }
        return;
    }

    append(s, c);
    if (s->in_string) {
        if (s->escape) {
            s->escape = false;
        } else if (c == '\\') {
            s->escape = true;
        } else if (c == '"') {
            s->in_string = false;
            if (s->depth == 0) {
                emit_text(s);   /* a top-level string */
            }
        }
        return;
    }
    switch (c) {
    case '"':
        s->in_string = true;
        break;
    case '{':
    case '[':
        if (++s->depth > s->max_depth && !s->skipping) {
            emit_error(s, "JSON parse error, nesting deeper than %d levels; "
                       "the text was discarded", s->max_depth);
            start_skipping(s);
        }
        break;
    case '}':
    case ']':
        if (--s->depth == 0) {
            emit_text(s);
        }
        break;
    default:
        break;
    }
}

void json_stream_feed(JsonStream *s, const uint8_t *data, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        feed_byte(s, data[i]);
    }
}
