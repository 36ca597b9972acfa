//! A bytecode interpreter: a small stack machine whose dispatch loop is a
//! dense `switch`, which clang compiles to a wasm `br_table`.
//!
//! The program (below, in the machine's own bytecode) runs a loop of n
//! iterations of hashing arithmetic with a data-dependent branch, about 30
//! dispatches per iteration. Measures indirect-branch dispatch and the
//! load/store traffic of the VM's stack and registers. Checksum: the
//! program's result.

#include "kernel.h"

enum op {
    OP_HALT,
    OP_PUSH, /* operand: the value */
    OP_LOAD, /* operand: register */
    OP_STORE, /* operand: register */
    OP_DUP,
    OP_DROP,
    OP_SWAP,
    OP_ADD,
    OP_SUB,
    OP_MUL,
    OP_AND,
    OP_OR,
    OP_XOR,
    OP_SHL,
    OP_SHR,
    OP_LT,
    OP_EQ,
    OP_JMP, /* operand: target */
    OP_JZ, /* operand: target */
    OP_JNZ, /* operand: target */
    OP_INC, /* operand: register */
    OP_ROTL,
};

/* Registers: r0 = n, r1 = accumulator, r2 = i, r3 = scratch. Each line
 * starts with its offset in the program. */
static const u32 program[] = {
    /*  0 */ OP_PUSH, 0, OP_STORE, 1,                  /* acc = 0 */
    /*  4 */ OP_PUSH, 0, OP_STORE, 2,                  /* i = 0 */
    /*  8 */ OP_LOAD, 2, OP_LOAD, 0, OP_LT, OP_JZ, 60, /* while (i < n) { */
    /* 15 */ OP_LOAD, 2, OP_DUP, OP_PUSH, 3, OP_SHR, OP_XOR, /* t = i ^ (i >> 3) */
    /* 22 */ OP_LOAD, 1, OP_PUSH, 31, OP_MUL, OP_ADD, OP_STORE, 1, /* acc = acc * 31 + t */
    /* 30 */ OP_LOAD, 2, OP_PUSH, 3, OP_AND, OP_JNZ, 49, /* if ((i & 3) == 0) */
    /* 37 */ OP_LOAD, 1, OP_PUSH, 0x9e3779b9u, OP_XOR, OP_PUSH, 7, OP_ROTL,
    /* 45 */ OP_STORE, 1, OP_JMP, 56,                  /* acc = rotl(acc ^ K, 7) */
    /* 49 */ OP_LOAD, 1, OP_LOAD, 2, OP_SUB, OP_STORE, 3, /* else r3 = acc - i */
    /* 56 */ OP_INC, 2, OP_JMP, 8,                     /* i++ } */
    /* 60 */ OP_LOAD, 1, OP_LOAD, 3, OP_XOR, OP_HALT,  /* return acc ^ r3 */
};

static NOINLINE u32 interpret(const u32 *code, u32 *regs) {
    u32 stack[64];
    u32 sp = 0, pc = 0;
    for (;;) {
        u32 op = code[pc++];
        switch (op) {
        case OP_HALT:
            return sp ? stack[sp - 1] : 0;
        case OP_PUSH:
            stack[sp++] = code[pc++];
            break;
        case OP_LOAD:
            stack[sp++] = regs[code[pc++]];
            break;
        case OP_STORE:
            regs[code[pc++]] = stack[--sp];
            break;
        case OP_DUP:
            stack[sp] = stack[sp - 1];
            sp++;
            break;
        case OP_DROP:
            sp--;
            break;
        case OP_SWAP: {
            u32 t = stack[sp - 1];
            stack[sp - 1] = stack[sp - 2];
            stack[sp - 2] = t;
            break;
        }
        case OP_ADD:
            sp--;
            stack[sp - 1] += stack[sp];
            break;
        case OP_SUB:
            sp--;
            stack[sp - 1] -= stack[sp];
            break;
        case OP_MUL:
            sp--;
            stack[sp - 1] *= stack[sp];
            break;
        case OP_AND:
            sp--;
            stack[sp - 1] &= stack[sp];
            break;
        case OP_OR:
            sp--;
            stack[sp - 1] |= stack[sp];
            break;
        case OP_XOR:
            sp--;
            stack[sp - 1] ^= stack[sp];
            break;
        case OP_SHL:
            sp--;
            stack[sp - 1] <<= stack[sp] & 31;
            break;
        case OP_SHR:
            sp--;
            stack[sp - 1] >>= stack[sp] & 31;
            break;
        case OP_LT:
            sp--;
            stack[sp - 1] = stack[sp - 1] < stack[sp];
            break;
        case OP_EQ:
            sp--;
            stack[sp - 1] = stack[sp - 1] == stack[sp];
            break;
        case OP_JMP:
            pc = code[pc];
            break;
        case OP_JZ:
            pc = stack[--sp] == 0 ? code[pc] : pc + 1;
            break;
        case OP_JNZ:
            pc = stack[--sp] != 0 ? code[pc] : pc + 1;
            break;
        case OP_INC:
            regs[code[pc++]]++;
            break;
        case OP_ROTL: {
            sp--;
            u32 s = stack[sp] & 31;
            u32 v = stack[sp - 1];
            stack[sp - 1] = (v << s) | (v >> ((32 - s) & 31));
            break;
        }
        default:
            return 0xbad0bad0u;
        }
    }
}

KERNEL(interp) {
    u32 regs[4] = {n, 0, 0, 0};
    return interpret(program, regs);
}
