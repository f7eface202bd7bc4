/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * Replay batches (kernel <-> userspace ABI): `protoport replay` hands the XDP program's logic
 * many frames per bpf_prog_test_run_opts call instead of one, because the call, not the program,
 * is what a frame costs (~1.7 us of syscall against ~50 ns of program on a 2-vCPU VM).
 * Userspace writes the frames into pp_batch (an mmapped array, one slot per frame), sets
 * pp_batch_count and test-runs protoport_replay_batch once: for each slot in turn it makes the
 * test run's packet that frame (bpf_xdp_adjust_tail, bpf_xdp_store_bytes) and runs on it exactly
 * what protoport_xdp runs on a frame of its own, writing the frame's outcome back into the slot.
 */
#pragma once

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/* The most slots one run takes: a bounded loop in the program, which the verifier walks once
 * per iteration (256 slots: ~6 ms more of load time than 64, for calls that cost ~2% of a
 * batch's time at 64). */
#define PP_BATCH_SLOTS_MAX 64
/* The longest frame a slot holds: the linear part a test run gives on x86_64 with 4 KiB pages.
 * Longer frames (and those beyond the running kernel's linear part) are run one by one. */
#define PP_BATCH_FRAME_MAX 3520
/* Written into a slot's outcome by userspace; still there after the call: the frame did not run
 * (the program could not make the packet that frame). */
#define PP_BATCH_NOT_RUN 0xffffffffu

struct pp_batch_slot {
	__u32 len;     /* frame bytes in data, 14..PP_BATCH_FRAME_MAX (ETH_HLEN: the least a test
			* run accepts) */
	__u32 outcome; /* the PP_OUT_* counter the frame ended in, or PP_BATCH_NOT_RUN */
	__u8 data[PP_BATCH_FRAME_MAX];
};
