/*
 * cpu-bench.c: a compute-bound, deterministic guest program for comparing
 * CPU emulation speed.  Each round mixes what ordinary code does: list
 * processing through pointers (build, search, reverse, merge sort), a
 * small integer matrix multiply, a table-driven state machine scanning
 * text, and CRC-32 over a buffer, with plenty of calls and branches.
 *
 * It prints a checksum of all results (the same on every correct
 * emulator), the instructions retired according to minstret, and the
 * mtime ticks it took, then exits through the finisher.  tests/bench/
 * tcg-bench.py runs it and does the timing.
 */
#include "runtime.h"

#ifndef ROUNDS
#define ROUNDS 6000
#endif

/* Linked lists */

#define LIST_NODES 600

typedef struct Node {
    struct Node *next;
    uint32_t key;
    uint32_t value;
} Node;

static Node pool[LIST_NODES];

static uint32_t rng = 12345;

static uint32_t next_random(void)
{
    rng = rng * 1103515245u + 12345u;
    return rng >> 8;
}

static Node *list_build(int n)
{
    Node *head = NULL;

    for (int i = 0; i < n; i++) {
        pool[i].key = next_random() & 0xffff;
        pool[i].value = i;
        pool[i].next = head;
        head = &pool[i];
    }
    return head;
}

static Node *list_find(Node *head, uint32_t key)
{
    for (; head; head = head->next) {
        if (head->key == key) {
            return head;
        }
    }
    return NULL;
}

static Node *list_reverse(Node *head)
{
    Node *prev = NULL;

    while (head) {
        Node *next = head->next;

        head->next = prev;
        prev = head;
        head = next;
    }
    return prev;
}

static Node *list_merge(Node *a, Node *b)
{
    Node dummy, *tail = &dummy;

    while (a && b) {
        if (a->key <= b->key) {
            tail->next = a;
            a = a->next;
        } else {
            tail->next = b;
            b = b->next;
        }
        tail = tail->next;
    }
    tail->next = a ? a : b;
    return dummy.next;
}

static Node *list_sort(Node *head)
{
    Node *slow, *fast, *second;

    if (!head || !head->next) {
        return head;
    }
    slow = head;
    fast = head->next;
    while (fast && fast->next) {
        slow = slow->next;
        fast = fast->next->next;
    }
    second = slow->next;
    slow->next = NULL;
    return list_merge(list_sort(head), list_sort(second));
}

static uint32_t list_work(void)
{
    Node *head = list_build(LIST_NODES);
    uint32_t sum = 0;

    for (int i = 0; i < 40; i++) {
        Node *n = list_find(head, next_random() & 0xffff);

        sum += n ? n->value : 1;
    }
    head = list_reverse(head);
    head = list_sort(head);
    for (int i = 0; head; head = head->next, i++) {
        sum = sum * 31 + head->key * (i & 7);
    }
    return sum;
}

/* Matrix multiply */

#define MAT_N 16

static int32_t mat_a[MAT_N][MAT_N], mat_b[MAT_N][MAT_N], mat_c[MAT_N][MAT_N];

static uint32_t matrix_work(uint32_t seed)
{
    uint32_t sum = 0;

    for (int i = 0; i < MAT_N; i++) {
        for (int j = 0; j < MAT_N; j++) {
            mat_a[i][j] = (int32_t)((seed + i * 7 + j * 3) % 201) - 100;
            mat_b[i][j] = (int32_t)((seed * 3 + i * 5 + j) % 97) - 48;
        }
    }
    for (int i = 0; i < MAT_N; i++) {
        for (int j = 0; j < MAT_N; j++) {
            int32_t acc = 0;

            for (int k = 0; k < MAT_N; k++) {
                acc += mat_a[i][k] * mat_b[k][j];
            }
            mat_c[i][j] = acc;
        }
    }
    for (int i = 0; i < MAT_N; i++) {
        sum = sum * 17 + (uint32_t)mat_c[i][(i * 5) % MAT_N];
    }
    return sum;
}

/* A state machine classifying tokens: integers, hex, decimals, junk */

enum { ST_START, ST_SIGN, ST_INT, ST_ZERO, ST_HEX, ST_FRAC, ST_JUNK };
enum { TOK_INT, TOK_HEX, TOK_DEC, TOK_JUNK, TOK_COUNT };

#define TEXT_LEN 1024

static char text[TEXT_LEN];

static void make_text(void)
{
    static const char alphabet[] = "0123456789x.-+ ,abcfz";

    for (int i = 0; i < TEXT_LEN; i++) {
        text[i] = alphabet[next_random() % (sizeof(alphabet) - 1)];
    }
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_hex(char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f');
}

static void finish_token(int state, uint32_t *counts)
{
    switch (state) {
    case ST_START:
        break;
    case ST_INT:
    case ST_ZERO:
        counts[TOK_INT]++;
        break;
    case ST_HEX:
        counts[TOK_HEX]++;
        break;
    case ST_FRAC:
        counts[TOK_DEC]++;
        break;
    default:
        counts[TOK_JUNK]++;
        break;
    }
}

static uint32_t state_machine_work(void)
{
    uint32_t counts[TOK_COUNT] = { 0 };
    int state = ST_START;

    for (int i = 0; i < TEXT_LEN; i++) {
        char c = text[i];

        if (c == ' ' || c == ',') {
            finish_token(state, counts);
            state = ST_START;
            continue;
        }
        switch (state) {
        case ST_START:
            state = c == '0' ? ST_ZERO : is_digit(c) ? ST_INT :
                    (c == '-' || c == '+') ? ST_SIGN : ST_JUNK;
            break;
        case ST_SIGN:
            state = is_digit(c) ? ST_INT : ST_JUNK;
            break;
        case ST_ZERO:
            state = c == 'x' ? ST_HEX : is_digit(c) ? ST_INT :
                    c == '.' ? ST_FRAC : ST_JUNK;
            break;
        case ST_INT:
            state = is_digit(c) ? ST_INT : c == '.' ? ST_FRAC : ST_JUNK;
            break;
        case ST_HEX:
            state = is_hex(c) ? ST_HEX : ST_JUNK;
            break;
        case ST_FRAC:
            state = is_digit(c) ? ST_FRAC : ST_JUNK;
            break;
        default:
            break;
        }
    }
    finish_token(state, counts);
    return counts[TOK_INT] | counts[TOK_HEX] << 8 | counts[TOK_DEC] << 16 |
           counts[TOK_JUNK] << 24;
}

/* CRC-32 (reflected, polynomial 0xedb88320) with a table */

static uint32_t crc_table[256];

static void crc_init(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;

        for (int k = 0; k < 8; k++) {
            c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
        }
        crc_table[i] = c;
    }
}

static uint32_t crc32(const void *data, size_t len)
{
    const uint8_t *p = data;
    uint32_t crc = ~0u;

    while (len--) {
        crc = crc_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
    }
    return ~crc;
}

int main(void)
{
    uint64_t instret0, instret1, mtime0, mtime1;
    uint32_t checksum = 0;

    printf("cpu-bench: %d rounds of lists, matrices, a state machine "
           "and CRC-32\n", ROUNDS);
    crc_init();
    mtime0 = mmio_read64(CLINT_MTIME);
    instret0 = csr_read(minstret);
    for (int round = 0; round < ROUNDS; round++) {
        make_text();
        checksum = checksum * 33 + list_work();
        checksum = checksum * 33 + matrix_work(round);
        checksum = checksum * 33 + state_machine_work();
        checksum ^= crc32(text, TEXT_LEN);
        checksum ^= crc32(mat_c, sizeof(mat_c)) >> 1;
    }
    instret1 = csr_read(minstret);
    mtime1 = mmio_read64(CLINT_MTIME);
    printf("checksum: 0x%08x\n", checksum);
    printf("instret: %lu\n", instret1 - instret0);
    printf("mtime-ticks: %lu\n", mtime1 - mtime0);
    exit(0);
}
