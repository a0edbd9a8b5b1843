/*
 * HMP's line editor (readline.h).
 *
 * Terminal output is kept simple: typing at the end of the line echoes
 * the character; any other edit redraws the line (carriage return,
 * prompt, text, erase to end of line) and moves the cursor back with
 * ESC [ n D.
 */
#include "qemu/osdep.h"
#include "qemu/cutils.h"
#include "readline.h"

#define CTRL(c) ((c) & 0x1f)

void readline_init(ReadLineState *rs, const char *prompt,
                   ReadLineOutFunc *out, ReadLineFunc *done, void *opaque)
{
    memset(rs, 0, sizeof(*rs));
    rs->prompt = prompt;
    rs->out = out;
    rs->done = done;
    rs->opaque = opaque;
    rs->history_pos = -1;
}

void readline_free(ReadLineState *rs)
{
    for (int i = 0; i < rs->history_len; i++) {
        g_free(rs->history[i]);
    }
    g_free(rs->saved_line);
    rs->history_len = 0;
    rs->saved_line = NULL;
}

void readline_restart(ReadLineState *rs)
{
    rs->len = rs->pos = 0;
    rs->line[0] = '\0';
    rs->esc_state = RL_NORMAL;
    rs->history_pos = -1;
    g_free(rs->saved_line);
    rs->saved_line = NULL;
}

const char *readline_get_history(ReadLineState *rs, int n)
{
    return n >= 0 && n < rs->history_len ? rs->history[n] : NULL;
}

static void rl_out(ReadLineState *rs, const char *str)
{
    rs->out(rs->opaque, str);
}

static void rl_redraw(ReadLineState *rs)
{
    g_autofree char *s = NULL;

    rs->line[rs->len] = '\0';
    s = g_strdup_printf("\r%s%s\033[K", rs->prompt, rs->line);
    rl_out(rs, s);
    if (rs->pos < rs->len) {
        g_autofree char *back = g_strdup_printf("\033[%dD",
                                                rs->len - rs->pos);
        rl_out(rs, back);
    }
}

void readline_show_prompt(ReadLineState *rs)
{
    rl_redraw(rs);
}

static void rl_insert(ReadLineState *rs, char ch)
{
    char echo[2] = { ch, '\0' };

    if (rs->len >= READLINE_MAX_LINE - 1) {
        return;     /* full: ignore, as a terminal would beep */
    }
    memmove(rs->line + rs->pos + 1, rs->line + rs->pos, rs->len - rs->pos);
    rs->line[rs->pos++] = ch;
    rs->len++;
    rs->line[rs->len] = '\0';
    if (rs->pos == rs->len) {
        rl_out(rs, echo);
    } else {
        rl_redraw(rs);
    }
}

static void rl_delete_at(ReadLineState *rs, int at)
{
    if (at < 0 || at >= rs->len) {
        return;
    }
    memmove(rs->line + at, rs->line + at + 1, rs->len - at - 1);
    rs->len--;
    if (rs->pos > at) {
        rs->pos--;
    }
    rl_redraw(rs);
}

static void rl_move(ReadLineState *rs, int pos)
{
    pos = MAX(0, MIN(pos, rs->len));
    if (pos != rs->pos) {
        rs->pos = pos;
        rl_redraw(rs);
    }
}

static void rl_set_line(ReadLineState *rs, const char *text)
{
    pstrcpy(rs->line, sizeof(rs->line), text);
    rs->len = rs->pos = strlen(rs->line);
    rl_redraw(rs);
}

static void rl_history_step(ReadLineState *rs, int dir)
{
    int pos = rs->history_pos;

    if (pos == -1) {
        if (dir > 0 || rs->history_len == 0) {
            return;
        }
        rs->line[rs->len] = '\0';
        g_free(rs->saved_line);
        rs->saved_line = g_strdup(rs->line);
        pos = rs->history_len - 1;
    } else {
        pos += dir;
        if (pos < 0) {
            return;
        }
        if (pos >= rs->history_len) {
            rs->history_pos = -1;
            rl_set_line(rs, rs->saved_line ? rs->saved_line : "");
            return;
        }
    }
    rs->history_pos = pos;
    rl_set_line(rs, rs->history[pos]);
}

static void rl_add_history(ReadLineState *rs, const char *line)
{
    if (!*line || (rs->history_len &&
                   !strcmp(rs->history[rs->history_len - 1], line))) {
        return;
    }
    if (rs->history_len == READLINE_MAX_HISTORY) {
        g_free(rs->history[0]);
        memmove(rs->history, rs->history + 1,
                (READLINE_MAX_HISTORY - 1) * sizeof(rs->history[0]));
        rs->history_len--;
    }
    rs->history[rs->history_len++] = g_strdup(line);
}

static void rl_enter(ReadLineState *rs)
{
    g_autofree char *line = NULL;

    rs->line[rs->len] = '\0';
    line = g_strdup(rs->line);
    rl_out(rs, "\r\n");
    rl_add_history(rs, line);
    readline_restart(rs);
    rs->done(rs->opaque, line);
}

/* The final byte of ESC [ n X or ESC O X. */
static void rl_escape_done(ReadLineState *rs, uint8_t ch, int param)
{
    switch (ch) {
    case 'A':
        rl_history_step(rs, -1);
        break;
    case 'B':
        rl_history_step(rs, 1);
        break;
    case 'C':
        rl_move(rs, rs->pos + 1);
        break;
    case 'D':
        rl_move(rs, rs->pos - 1);
        break;
    case 'H':
        rl_move(rs, 0);
        break;
    case 'F':
        rl_move(rs, rs->len);
        break;
    case '~':
        switch (param) {
        case 1:
        case 7:
            rl_move(rs, 0);
            break;
        case 4:
        case 8:
            rl_move(rs, rs->len);
            break;
        case 3:
            rl_delete_at(rs, rs->pos);
            break;
        default:
            break;
        }
        break;
    default:
        break;
    }
}

void readline_handle_byte(ReadLineState *rs, uint8_t ch)
{
    bool was_cr = rs->last_was_cr;

    rs->last_was_cr = false;
    switch (rs->esc_state) {
    case RL_ESC:
        if (ch == '[') {
            rs->esc_state = RL_CSI;
            rs->esc_param = 0;
        } else if (ch == 'O') {
            rs->esc_state = RL_SS3;
        } else {
            rs->esc_state = RL_NORMAL;
        }
        return;
    case RL_CSI:
        if (ch >= '0' && ch <= '9') {
            rs->esc_param = MIN(rs->esc_param * 10 + (ch - '0'), 1000);
            return;
        }
        if (ch == ';') {
            return;     /* modifiers: ignored */
        }
        rs->esc_state = RL_NORMAL;
        rl_escape_done(rs, ch, rs->esc_param);
        return;
    case RL_SS3:
        rs->esc_state = RL_NORMAL;
        rl_escape_done(rs, ch, 0);
        return;
    case RL_NORMAL:
        break;
    }

    switch (ch) {
    case '\033':
        rs->esc_state = RL_ESC;
        break;
    case '\r':
        rs->last_was_cr = true;
        rl_enter(rs);
        break;
    case '\n':
        if (!was_cr) {
            rl_enter(rs);
        }
        break;
    case CTRL('A'):
        rl_move(rs, 0);
        break;
    case CTRL('E'):
        rl_move(rs, rs->len);
        break;
    case CTRL('B'):
        rl_move(rs, rs->pos - 1);
        break;
    case CTRL('F'):
        rl_move(rs, rs->pos + 1);
        break;
    case CTRL('U'):
        memmove(rs->line, rs->line + rs->pos, rs->len - rs->pos);
        rs->len -= rs->pos;
        rs->pos = 0;
        rl_redraw(rs);
        break;
    case CTRL('K'):
        rs->len = rs->pos;
        rl_redraw(rs);
        break;
    case CTRL('P'):
        rl_history_step(rs, -1);
        break;
    case CTRL('N'):
        rl_history_step(rs, 1);
        break;
    case CTRL('D'):
        rl_delete_at(rs, rs->pos);
        break;
    case CTRL('H'):
    case 0x7f:
        rl_delete_at(rs, rs->pos - 1);
        break;
    default:
        if (ch >= 0x20) {
            rl_insert(rs, ch);
        }
        break;
    }
}
