/* icount_range.c - a QEMU TCG plugin: executed instructions per address range.
 *
 *   cc -O2 -shared -fPIC -o icount_range.so utils/firmware/icount_range.c
 *   qemu-system-arm ... -plugin ./icount_range.so,range=LO:HI[,range=...][,out=FILE]
 *
 * Counts every executed instruction whose address is in [LO, HI) (one
 * inline counter per range, exact under -icount); at exit writes one line
 * "LO HI COUNT" per range to FILE (default stderr). benchmarks/kernels.py
 * gives it the address range of one layer's function to count that layer's
 * own instructions. */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The few declarations of QEMU's plugin API (include/qemu/qemu-plugin.h,
 * API version 1 as in QEMU 7.2) this plugin uses. */
typedef uint64_t qemu_plugin_id_t;
struct qemu_plugin_tb;
struct qemu_plugin_insn;
typedef struct qemu_info_t qemu_info_t;
enum qemu_plugin_op { QEMU_PLUGIN_INLINE_ADD_U64 };
void qemu_plugin_register_vcpu_tb_trans_cb(
    qemu_plugin_id_t id, void (*cb)(qemu_plugin_id_t, struct qemu_plugin_tb *));
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
struct qemu_plugin_insn *qemu_plugin_tb_get_insn(const struct qemu_plugin_tb *tb,
                                                 size_t idx);
uint64_t qemu_plugin_insn_vaddr(const struct qemu_plugin_insn *insn);
void qemu_plugin_register_vcpu_insn_exec_inline(struct qemu_plugin_insn *insn,
                                                enum qemu_plugin_op op,
                                                void *ptr, uint64_t imm);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id,
                                    void (*cb)(qemu_plugin_id_t, void *),
                                    void *userdata);

__attribute__((visibility("default"))) int qemu_plugin_version = 1;

#define MAX_RANGES 64
static uint64_t lo[MAX_RANGES], hi[MAX_RANGES], count[MAX_RANGES];
static int ranges;
static const char *outPath;

static void translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb) {
  (void)id;
  size_t n = qemu_plugin_tb_n_insns(tb);
  for (size_t i = 0; i < n; ++i) {
    struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
    uint64_t pc = qemu_plugin_insn_vaddr(insn);
    for (int r = 0; r < ranges; ++r)
      if (pc >= lo[r] && pc < hi[r])
        qemu_plugin_register_vcpu_insn_exec_inline(
            insn, QEMU_PLUGIN_INLINE_ADD_U64, &count[r], 1);
  }
}

static void atExit(qemu_plugin_id_t id, void *p) {
  (void)id, (void)p;
  FILE *f = outPath ? fopen(outPath, "w") : stderr;
  if (!f)
    return;
  for (int r = 0; r < ranges; ++r)
    fprintf(f, "0x%" PRIx64 " 0x%" PRIx64 " %" PRIu64 "\n", lo[r], hi[r],
            count[r]);
  if (f != stderr)
    fclose(f);
}

__attribute__((visibility("default"))) int
qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc,
                    char **argv) {
  (void)info;
  for (int i = 0; i < argc; ++i) {
    if (strncmp(argv[i], "range=", 6) == 0 && ranges < MAX_RANGES) {
      char *end;
      lo[ranges] = strtoull(argv[i] + 6, &end, 0);
      if (*end != ':')
        return -1;
      hi[ranges] = strtoull(end + 1, NULL, 0);
      ++ranges;
    } else if (strncmp(argv[i], "out=", 4) == 0) {
      outPath = argv[i] + 4;
    } else {
      fprintf(stderr, "icount_range: unknown argument %s\n", argv[i]);
      return -1;
    }
  }
  qemu_plugin_register_vcpu_tb_trans_cb(id, translate);
  qemu_plugin_register_atexit_cb(id, atExit, NULL);
  return 0;
}
