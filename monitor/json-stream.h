/*
 * Splitting a QMP byte stream into complete top-level JSON texts.
 *
 * QMP clients send JSON objects back to back, split across reads however
 * the transport pleases.  This tracks just enough of JSON's lexical
 * structure to know where each top-level text ends -- braces and brackets
 * outside strings, strings and their escapes -- and hands each text to
 * emit for json-glib to parse.  It is framing, not parsing: a text it
 * passes on may still be malformed.
 *
 * It reports, through emit with text NULL and a message:
 *   - a control character (below 0x20) inside a string, or outside one
 *     other than tab, CR and LF: the text in progress is dropped, and so
 *     is the rest of its line (QMP clients send one request per line;
 *     where a cut text really ended cannot be known).  A line feed in a
 *     string ends the line itself, so an unterminated string costs only
 *     its own line;
 *   - a stray '}' or ']';
 *   - a text longer than max_size bytes, or nested deeper than
 *     max_depth: reported once, then the rest of that text is skipped
 *     without being stored, so memory stays bounded whatever arrives.
 */
#ifndef MONITOR_JSON_STREAM_H
#define MONITOR_JSON_STREAM_H

typedef void JsonStreamEmit(void *opaque, const char *text, size_t len,
                            const char *error);

typedef struct JsonStream {
    GString *buf;               /* the text in progress */
    int depth;                  /* open '{' and '[' */
    bool in_string;
    bool escape;                /* the previous byte was a backslash */
    bool bare;                  /* collecting a top-level scalar */
    bool skipping;              /* dropping the rest of an oversize text */
    bool bad_run;               /* reported the current run of bad bytes */
    bool recovering;            /* dropping the rest of a cut text's line */
    size_t max_size;
    int max_depth;
    JsonStreamEmit *emit;
    void *opaque;
} JsonStream;

void json_stream_init(JsonStream *s, size_t max_size, int max_depth,
                      JsonStreamEmit *emit, void *opaque);
/* Forget any partial text (a client went away). */
void json_stream_reset(JsonStream *s);
void json_stream_feed(JsonStream *s, const uint8_t *data, size_t len);
void json_stream_destroy(JsonStream *s);

#endif /* MONITOR_JSON_STREAM_H */
