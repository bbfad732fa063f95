/* mpq_runner_io.h - the run and the output writing shared by the host
 * runner and the Cortex-M firmware. Include it after mpq_runner.h and after
 * defining the buffers in0, out0..out(N-1) and arena.
 */
#ifndef MPQ_RUNNER_IO_H
#define MPQ_RUNNER_IO_H

/* Calls the model's entry point with the buffers in0..in(N-1),
 * out0..out(M-1) and arena. */
#if UPPER(_NUM_INPUTS) == 1
#define MPQ_INPUT_ARGS in0
#elif UPPER(_NUM_INPUTS) == 2
#define MPQ_INPUT_ARGS in0, in1
#elif UPPER(_NUM_INPUTS) == 3
#define MPQ_INPUT_ARGS in0, in1, in2
#else
#define MPQ_INPUT_ARGS in0, in1, in2, in3
#endif
#if UPPER(_NUM_OUTPUTS) == 1
#define MPQ_RUN() MODEL(_run)(MPQ_INPUT_ARGS, out0, arena)
#elif UPPER(_NUM_OUTPUTS) == 2
#define MPQ_RUN() MODEL(_run)(MPQ_INPUT_ARGS, out0, out1, arena)
#elif UPPER(_NUM_OUTPUTS) == 3
#define MPQ_RUN() MODEL(_run)(MPQ_INPUT_ARGS, out0, out1, out2, arena)
#else
#define MPQ_RUN() MODEL(_run)(MPQ_INPUT_ARGS, out0, out1, out2, out3, arena)
#endif

/* Writes output k to paths[k] as int32 codes; non-zero on failure. */
static int mpq_write_outputs(char **paths) {
#define MPQ_WRITE_ONE_(k)                                                      \
  if (MPQ_WRITE_OUTPUT(paths[k], k, out##k))                                   \
    return 1;
  MPQ_WRITE_ONE_(0)
#if UPPER(_NUM_OUTPUTS) > 1
  MPQ_WRITE_ONE_(1)
#endif
#if UPPER(_NUM_OUTPUTS) > 2
  MPQ_WRITE_ONE_(2)
#endif
#if UPPER(_NUM_OUTPUTS) > 3
  MPQ_WRITE_ONE_(3)
#endif
#undef MPQ_WRITE_ONE_
  return 0;
}

#endif /* MPQ_RUNNER_IO_H */
