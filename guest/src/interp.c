/* Workload: a bytecode interpreter, the switch-dispatch loop of every scripting language.
 * A stack machine runs a program (sieve of Eratosthenes, then an integer hash loop with calls)
 * written in its own bytecode. Usage: interp [N]   (default 1500000: sieve limit) */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

enum { PUSH, LOAD, STORE, ADD, SUB, MUL, MOD, LT, JZ, JMP, ALOAD, ASTORE, CALL, RET, XOR, SHL, SHR, DUP, POP, HALT };

typedef struct {
  int64_t stack[256];
  int64_t vars[16];
  int sp, rp;
  int ret[64];
  int64_t *mem;
} Vm;

static int64_t run(Vm *vm, const int64_t *code) {
  int pc = 0;
  int64_t *st = vm->stack;
  int sp = vm->sp;
  for (;;) {
    int64_t op = code[pc++];
    switch (op) {
      case PUSH: st[sp++] = code[pc++]; break;
      case LOAD: st[sp++] = vm->vars[code[pc++]]; break;
      case STORE: vm->vars[code[pc++]] = st[--sp]; break;
      case ADD: sp--, st[sp - 1] += st[sp]; break;
      case SUB: sp--, st[sp - 1] -= st[sp]; break;
      case MUL: sp--, st[sp - 1] *= st[sp]; break;
      case MOD: sp--, st[sp - 1] %= st[sp]; break;
      case XOR: sp--, st[sp - 1] ^= st[sp]; break;
      case SHL: sp--, st[sp - 1] = (int64_t)((uint64_t)st[sp - 1] << st[sp]); break;
      case SHR: sp--, st[sp - 1] = (int64_t)((uint64_t)st[sp - 1] >> st[sp]); break;
      case LT: sp--, st[sp - 1] = st[sp - 1] < st[sp]; break;
      case DUP: st[sp] = st[sp - 1], sp++; break;
      case POP: sp--; break;
      case JZ: pc = st[--sp] ? pc + 1 : (int)code[pc]; break;
      case JMP: pc = (int)code[pc]; break;
      case ALOAD: st[sp - 1] = vm->mem[st[sp - 1]]; break;
      case ASTORE: sp -= 2, vm->mem[st[sp + 1]] = st[sp]; break; /* value, index */
      case CALL: vm->ret[vm->rp++] = pc + 1, pc = (int)code[pc]; break;
      case RET: pc = vm->ret[--vm->rp]; break;
      case HALT: vm->sp = sp; return sp ? st[sp - 1] : 0;
      default: fprintf(stderr, "bad opcode %lld at %d\n", (long long)op, pc - 1); exit(2);
    }
  }
}

int main(int argc, char **argv) {
  int64_t n = argc > 1 ? atoll(argv[1]) : 1500000;
  Vm vm = {.sp = 0, .rp = 0};
  vm.mem = calloc((size_t)n + 1, sizeof(int64_t));
  /* variables: 0 i, 1 j, 2 count, 3 n, 4 h. Assembled with back-patched labels. */
  int64_t code[512];
  int pc = 0;
#define E(...)                                                      \
  do {                                                              \
    const int64_t w_[] = {__VA_ARGS__};                             \
    for (unsigned k_ = 0; k_ < sizeof w_ / sizeof w_[0]; k_++) code[pc++] = w_[k_]; \
  } while (0)
  E(PUSH, 2, STORE, 0);
  int outer = pc;
  E(LOAD, 0, LOAD, 0, MUL, LOAD, 3, PUSH, 1, ADD, LT, JZ, 0);
  int fix_outer_exit = pc - 1;
  E(LOAD, 0, ALOAD, JZ, 0);
  int fix_is_prime = pc - 1;
  E(JMP, 0);
  int fix_skip = pc - 1;
  code[fix_is_prime] = pc;
  E(LOAD, 0, LOAD, 0, MUL, STORE, 1);
  int inner = pc;
  E(LOAD, 1, LOAD, 3, PUSH, 1, ADD, LT, JZ, 0);
  int fix_inner_exit = pc - 1;
  E(PUSH, 1, LOAD, 1, ASTORE, LOAD, 1, LOAD, 0, ADD, STORE, 1, JMP, inner);
  code[fix_inner_exit] = pc;
  code[fix_skip] = pc;
  E(LOAD, 0, PUSH, 1, ADD, STORE, 0, JMP, outer);
  code[fix_outer_exit] = pc;
  /* count primes: i = 2; while i <= n: if !mem[i]: count++, h = hash(h, i) via CALL; i++ */
  E(PUSH, 2, STORE, 0, PUSH, 0, STORE, 2, PUSH, 0, STORE, 4);
  int count_loop = pc;
  E(LOAD, 0, LOAD, 3, PUSH, 1, ADD, LT, JZ, 0);
  int fix_count_exit = pc - 1;
  E(LOAD, 0, ALOAD, JZ, 0);
  int fix_prime = pc - 1;
  E(JMP, 0);
  int fix_notprime = pc - 1;
  code[fix_prime] = pc;
  E(LOAD, 2, PUSH, 1, ADD, STORE, 2, CALL, 0);
  int fix_call = pc - 1;
  code[fix_notprime] = pc;
  E(LOAD, 0, PUSH, 1, ADD, STORE, 0, JMP, count_loop);
  code[fix_count_exit] = pc;
  E(LOAD, 4, HALT);
  /* hash: h = ((h ^ i) * 1099511628211) ^ (h >> 29) */
  code[fix_call] = pc;
  E(LOAD, 4, LOAD, 0, XOR, PUSH, 1099511628211LL, MUL, LOAD, 4, PUSH, 29, SHR, XOR, STORE, 4, RET);
  vm.vars[3] = n;
  int64_t h = run(&vm, code);
  printf("primes up to %lld: %lld, hash %016llx, bytecode words %d\n", (long long)n, (long long)vm.vars[2],
         (unsigned long long)h, pc);
  free(vm.mem);
  return 0;
}
