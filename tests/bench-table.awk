# SPDX-License-Identifier: GPL-2.0
# Turn the guest's "bench: ..." lines into the results table.
function med(str,    n, a, i, j, t) {
	n = split(str, a, " ")
	for (i = 1; i <= n; i++)
		for (j = i + 1; j <= n; j++)
			if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
	return a[int((n + 1) / 2)]
}
function row(what, n, m, unit, target, kind,    r, met) {
	r = (n > 0) ? m / n : 0
	if (kind == "eq")
		met = (m == n) ? "yes" : "no"
	else
		met = (r <= target) ? "yes" : "no"
	printf("| %s | %s %s | %s %s | %.3f | %s %s | %s |\n", what, n, unit, m, unit, r,
	       kind == "eq" ? "=" : "<=", kind == "eq" ? "1" : target "x", met)
}
# One row per range, a column pair per operation: A against the module (B).
function sparse_table(ks, nk, a, b,    i, j, k, g, ops, nops) {
	printf("| range | touched | lock call | munlock | munmap | exit |%s\n|---|---|---|---|---|---|%s\n",
	       oom ? " OOM kill |" : "", oom ? "---|" : "")
	for (i = 1; i <= nk; i++) {
		k = ks[i]
		split(k, g, "_")
		printf("| %s GiB | %s pages |", substr(g[1], 1, length(g[1]) - 1), g[2])
		nops = split(oom ? "lock munlock munmap exit oom" : "lock munlock munmap exit", ops, " ")
		for (j = 1; j <= nops; j++)
			printf(" %s / %s ms (%.0fx) |", a[k, ops[j]], b[k, ops[j]],
			       b[k, ops[j]] > 0 ? a[k, ops[j]] / b[k, ops[j]] : 0)
		printf("\n")
	}
}
function urow(what, u, l, unit,    r) {
	r = med(l) / med(u)
	printf("| %s (unloaded vs loaded) | %s %s | %s %s | %.3f | <= 1.02x | %s |\n",
	       what, med(u), unit, med(l), unit, r, r <= 1.02 ? "yes" : "no")
}
$2 == "lock_4g_sparse" { lock_n = $4; lock_m = $6 }
$2 == "lock_4g_sparse_again" { lock2_n = $4; lock2_m = $6 }
$2 == "fault_in_onfault" { flt_n = $4; flt_m = $6 }
$2 == "munlock_1g_1pct" { unl_n = $4; unl_m = $6 }
$2 == "vmrss_1pct" { rss_n = $4; rss_m = $6 }
$2 == "vmlck_1g" { lck_n = $4; lck_m = $6 }
$2 == "query_hold_64g" { qh_q = $4; qh_s = $7; qh_i = $9 }
$2 ~ /^sparse_/ {
	# sparse_<GiB>g_<touched>_<op>: one row per range, a column pair per op
	n = split($2, f, "_")
	key = f[2] "_" f[3]
	if (!(key in seen)) { seen[key] = 1; keys[++nkeys] = key }
	sn[key, f[4]] = $4; sm[key, f[4]] = $6
	if (f[4] == "oom") oom = 1
}
$2 ~ /^sparsefull_/ {
	# where the kernel has no lock on fault: its own full lock against
	# the module's lock on fault
	n = split($2, f, "_")
	key = f[2] "_" f[3]
	if (!(key in fseen)) { fseen[key] = 1; fkeys[++nfkeys] = key }
	fn_[key, f[4]] = $4; fm[key, f[4]] = $6
	if (f[4] == "oom") oom = 1
}
$2 == "lock_2m" { l2_n = $4; l2_m = $6 }
$2 == "lock_64m" { l64_n = $4; l64_m = $6 }
$2 == "unrelated_ops_sample" {
	# loaded MMAP FORK MLOCK unloaded MMAP FORK MLOCK
	lmm = lmm " " $4; lfk = lfk " " $5; lml = lml " " $6
	umm = umm " " $8; ufk = ufk " " $9; uml = uml " " $10
	osamples++
}
$2 == "unrelated_fault_sample" { loaded = loaded " " $4; unloaded = unloaded " " $6; samples++ }
END {
	printf("# lockonfault benchmarks\n\n")
	if (nfkeys) {
		printf("Commit %s (%s). Guest kernel %s under QEMU %s, %s. This kernel has no lock on fault: the\n", commit, how ? how : "make bench", kver, accel, date)
		printf("only way its own paths lock a range is a full lock, mlock(), which populates all of it. To fit in the guest\n")
		printf("that range is read-only (its populate maps the zero page: 8 bytes of page table per 4 KiB; a writable\n")
		printf("one needs the whole range in memory and costs more), touched by reads; the module's is writable, locked\n")
		printf("on fault, touched by writes (MAP_NORESERVE, MADV_NOHUGEPAGE, touched pages evenly spread). Medians of\n")
		printf("alternating rounds, each in a fresh process. Exit is SIGKILL to reaped%s.\n\n", oom ? "; OOM kill is from the holder's\nfirst allocation over its memory cgroup's limit (its usage + 64 MiB) to reaped" : "")
		sparse_table(fkeys, nfkeys, fn_, fm)
		printf("\n(kernel's full lock / module's lock on fault, and how many times faster the module is)\n")
		exit
	}
	printf("Commit %s (%s). Guest kernel %s under QEMU %s, %s. Native = the kernel's own mlock2(MLOCK_ONFAULT)/munlock;\n", commit, how ? how : "make bench", kver, accel, date)
	printf("module = LOF_IOC_LOCK/LOF_IOC_UNLOCK. Medians of 9 alternating rounds, each in a fresh process;\n")
	printf("unrelated faults: best of 5 passes over 128 MiB, median of %d samples with the module loaded and unloaded;\n", samples)
	printf("unrelated mmap, fork, mlock: best of 5 passes of 2000, 50 and 1000 calls, median of the same samples.\n\n")
	printf("| what | native | module | ratio | target | met |\n|---|---|---|---|---|---|\n")
	row("lock call, 4 GiB sparse mapping", lock_n, lock_m, "ms", 1.2)
	row("lock call, 4 GiB sparse, second call in the process", lock2_n, lock2_m, "ms", 1.2)
	if (l2_n != "") {
		row("lock call, 2 MiB", l2_n, l2_m, "ms", 1.2)
		row("lock call, 64 MiB", l64_n, l64_m, "ms", 1.2)
	}
	row("page fault inside an on-fault range", flt_n, flt_m, "ns", 1.10)
	row("munlock, 1 GiB range with 1% touched", unl_n, unl_m, "ms", 1.2)
	row("VmRSS after touching 1% of 1 GiB", rss_n, rss_m, "kB", 1, "eq")
	row("VmLck of that range", lck_n, lck_m, "kB", 1, "eq")
	printf("| page fault of an unrelated process (unloaded vs loaded) | %s ns | %s ns | %.3f | <= 1.02x | %s |\n",
	       med(unloaded), med(loaded), med(loaded) / med(unloaded),
	       (med(loaded) / med(unloaded) <= 1.02) ? "yes" : "no")
	if (osamples) {
		urow("mmap+munmap of 64 KiB, an unrelated process", umm, lmm, "ns")
		urow("fork+exit+wait (8 MiB touched), an unrelated process", ufk, lfk, "us")
		urow("mlock+munlock of 64 KiB, an unrelated process", uml, lml, "ns")
	}
	if (nkeys) {
		printf("\nSparse ranges locked on fault (MAP_NORESERVE, MADV_NOHUGEPAGE, touched pages evenly spread), medians of\nalternating rounds: native mlock2(MLOCK_ONFAULT) against the module. Exit is SIGKILL to reaped%s.\n\n", oom ? "; OOM kill is\nfrom the holder's first allocation over its memory cgroup's limit (its usage + 64 MiB) to reaped" : "")
		sparse_table(keys, nkeys, sn, sm)
	}
	if (qh_q != "")
		printf("\nLOF_IOC_QUERY of a 64 GiB mapping with one page in every 2 MiB: %s ms a query. The longest mmap+munmap\nof another thread of the process during the queries: %s ms (%s ms over as long with no query).\n",
		       qh_q, qh_s, qh_i)
}
