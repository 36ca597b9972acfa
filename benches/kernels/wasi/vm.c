//! A register-machine interpreter as language runtimes write them: an
//! instruction struct, a dense `switch` on the opcode in a `for (;;)`
//! (a wasm `br_table`), registers and a byte memory from malloc. The
//! program, assembled at run time with labels patched in, is a sieve of
//! Eratosthenes up to n followed by a pass that counts and hashes the
//! primes: about 15 dispatches per number.
//!
//! Checksum: the program's result (the hash of the primes below n, their
//! count, and n).

#include "../kernel.h"

#include <stdlib.h>
#include <string.h>

enum op {
    OP_HALT,
    OP_LI,   /* r[a] = imm */
    OP_MOV,  /* r[a] = r[b] */
    OP_ADD,  /* r[a] = r[b] + r[c] */
    OP_ADDI, /* r[a] = r[b] + imm */
    OP_SUB,
    OP_MUL,
    OP_DIVU,
    OP_REMU,
    OP_AND,
    OP_OR,
    OP_XOR,
    OP_SHLI, /* r[a] = r[b] << imm */
    OP_SHRI, /* r[a] = r[b] >> imm */
    OP_LOADB,  /* r[a] = mem[r[b] + imm] */
    OP_STOREB, /* mem[r[b] + imm] = r[a] */
    OP_JMP,    /* pc = imm */
    OP_BEQZ,   /* if (r[a] == 0) pc = imm */
    OP_BNEZ,   /* if (r[a] != 0) pc = imm */
    OP_BLT,    /* if (r[a] < r[b]) pc = imm */
    OP_BGE,    /* if (r[a] >= r[b]) pc = imm */
};

struct insn {
    u8 op, a, b, c;
    i32 imm;
};

struct vm {
    u32 regs[16];
    u8 *mem;
    u32 mem_size;
};

struct assembler {
    struct insn code[64];
    u32 len;
};

static u32 emit(struct assembler *as, enum op op, u32 a, u32 b, u32 c, i32 imm) {
    struct insn insn = {(u8)op, (u8)a, (u8)b, (u8)c, imm};
    as->code[as->len] = insn;
    return as->len++;
}

static void patch(struct assembler *as, u32 at, u32 target) {
    as->code[at].imm = (i32)target;
}

static NOINLINE u32 execute(struct vm *vm, const struct insn *code) {
    u32 *r = vm->regs;
    u32 pc = 0;
    for (;;) {
        const struct insn *i = &code[pc++];
        switch ((enum op)i->op) {
        case OP_HALT:
            return r[i->a];
        case OP_LI:
            r[i->a] = (u32)i->imm;
            break;
        case OP_MOV:
            r[i->a] = r[i->b];
            break;
        case OP_ADD:
            r[i->a] = r[i->b] + r[i->c];
            break;
        case OP_ADDI:
            r[i->a] = r[i->b] + (u32)i->imm;
            break;
        case OP_SUB:
            r[i->a] = r[i->b] - r[i->c];
            break;
        case OP_MUL:
            r[i->a] = r[i->b] * r[i->c];
            break;
        case OP_DIVU:
            r[i->a] = r[i->c] ? r[i->b] / r[i->c] : 0;
            break;
        case OP_REMU:
            r[i->a] = r[i->c] ? r[i->b] % r[i->c] : 0;
            break;
        case OP_AND:
            r[i->a] = r[i->b] & r[i->c];
            break;
        case OP_OR:
            r[i->a] = r[i->b] | r[i->c];
            break;
        case OP_XOR:
            r[i->a] = r[i->b] ^ r[i->c];
            break;
        case OP_SHLI:
            r[i->a] = r[i->b] << (i->imm & 31);
            break;
        case OP_SHRI:
            r[i->a] = r[i->b] >> (i->imm & 31);
            break;
        case OP_LOADB: {
            u32 addr = r[i->b] + (u32)i->imm;
            r[i->a] = addr < vm->mem_size ? vm->mem[addr] : 0;
            break;
        }
        case OP_STOREB: {
            u32 addr = r[i->b] + (u32)i->imm;
            if (addr < vm->mem_size) {
                vm->mem[addr] = (u8)r[i->a];
            }
            break;
        }
        case OP_JMP:
            pc = (u32)i->imm;
            break;
        case OP_BEQZ:
            if (r[i->a] == 0) {
                pc = (u32)i->imm;
            }
            break;
        case OP_BNEZ:
            if (r[i->a] != 0) {
                pc = (u32)i->imm;
            }
            break;
        case OP_BLT:
            if (r[i->a] < r[i->b]) {
                pc = (u32)i->imm;
            }
            break;
        case OP_BGE:
            if (r[i->a] >= r[i->b]) {
                pc = (u32)i->imm;
            }
            break;
        default:
            return 0xbad0bad0u;
        }
    }
}

/* Registers: r0 = n, r1 = i, r2 = 0, r3 = j, r4 = scratch, r5 = count,
 * r6 = hash, r7 = 31. */
static void assemble(struct assembler *as) {
    as->len = 0;
    emit(as, OP_LI, 2, 0, 0, 0);
    emit(as, OP_LI, 7, 0, 0, 31);
    emit(as, OP_LI, 1, 0, 0, 2);
    u32 outer = emit(as, OP_MUL, 3, 1, 1, 0); /* j = i * i */
    u32 to_count = emit(as, OP_BGE, 3, 0, 0, 0);
    emit(as, OP_LOADB, 4, 1, 0, 0);
    u32 skip = emit(as, OP_BEQZ, 4, 0, 0, 0);
    u32 inner = emit(as, OP_BGE, 3, 0, 0, 0);
    emit(as, OP_STOREB, 2, 3, 0, 0); /* mem[j] = 0 */
    emit(as, OP_ADD, 3, 3, 1, 0);
    emit(as, OP_JMP, 0, 0, 0, (i32)inner);
    u32 next = emit(as, OP_ADDI, 1, 1, 0, 1);
    patch(as, skip, next);
    patch(as, inner, next);
    emit(as, OP_JMP, 0, 0, 0, (i32)outer);
    u32 count = emit(as, OP_LI, 1, 0, 0, 2);
    patch(as, to_count, count);
    emit(as, OP_LI, 5, 0, 0, 0);
    emit(as, OP_LI, 6, 0, 0, 0);
    u32 loop = emit(as, OP_BGE, 1, 0, 0, 0);
    emit(as, OP_LOADB, 4, 1, 0, 0);
    u32 not_prime = emit(as, OP_BEQZ, 4, 0, 0, 0);
    emit(as, OP_ADDI, 5, 5, 0, 1);
    emit(as, OP_MUL, 6, 6, 7, 0);
    emit(as, OP_XOR, 6, 6, 1, 0);
    u32 step = emit(as, OP_ADDI, 1, 1, 0, 1);
    patch(as, not_prime, step);
    emit(as, OP_JMP, 0, 0, 0, (i32)loop);
    u32 done = emit(as, OP_SHLI, 5, 5, 0, 16);
    patch(as, loop, done);
    emit(as, OP_XOR, 6, 6, 5, 0);
    emit(as, OP_ADD, 6, 6, 0, 0); /* and n itself */
    emit(as, OP_HALT, 6, 0, 0, 0);
}

KERNEL(vm) {
    static struct assembler as;
    assemble(&as);
    struct vm vm;
    memset(&vm, 0, sizeof vm);
    vm.regs[0] = n;
    vm.mem_size = n + 1;
    vm.mem = malloc(vm.mem_size);
    if (!vm.mem) {
        return 0;
    }
    memset(vm.mem, 1, vm.mem_size);
    u32 result = execute(&vm, as.code);
    free(vm.mem);
    return result;
}
