/*
 * A small line editor for HMP: insert and delete at the cursor, move with
 * the arrow keys, Home/End and Ctrl-A/Ctrl-E, Ctrl-U kills to the start
 * of the line, Ctrl-K to its end, up/down walk the history.  Escape
 * sequences (ESC [ ..., ESC O ...) are parsed a byte at a time, so they
 * may arrive split across reads.
 */
#ifndef MONITOR_READLINE_H
#define MONITOR_READLINE_H

#define READLINE_MAX_LINE       1024
#define READLINE_MAX_HISTORY    64

typedef void ReadLineOutFunc(void *opaque, const char *str);
typedef void ReadLineFunc(void *opaque, const char *line);

typedef struct ReadLineState {
    char line[READLINE_MAX_LINE];
    int len;
    int pos;                    /* cursor, 0..len */
    enum { RL_NORMAL, RL_ESC, RL_CSI, RL_SS3 } esc_state;
    int esc_param;
    bool last_was_cr;           /* swallow the LF of a CR LF */
    char *history[READLINE_MAX_HISTORY];    /* oldest first */
    int history_len;
    int history_pos;            /* -1: editing a new line */
    char *saved_line;           /* the new line while browsing history */
    const char *prompt;
    ReadLineOutFunc *out;
    ReadLineFunc *done;
    void *opaque;
} ReadLineState;

void readline_init(ReadLineState *rs, const char *prompt,
                   ReadLineOutFunc *out, ReadLineFunc *done, void *opaque);
void readline_free(ReadLineState *rs);
/* Forget the line being edited (not the history). */
void readline_restart(ReadLineState *rs);
/* Print the prompt and the line being edited. */
void readline_show_prompt(ReadLineState *rs);
void readline_handle_byte(ReadLineState *rs, uint8_t ch);
/* The n-th history entry, oldest first, or NULL. */
const char *readline_get_history(ReadLineState *rs, int n);

#endif /* MONITOR_READLINE_H */
