package dev.herald.loadgen;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * CPU time read from /proc: the user+system time of the server's processes (utime+stime of
 * /proc/PID/stat, in clock ticks of 10 ms) and the whole machine's busy and total time (/proc/stat).
 */
record CpuSample(long processTicks, long machineBusyTicks, long machineTotalTicks) {

    private static final double MS_PER_TICK = 10.0;

    static CpuSample take(List<Long> pids) {
        long process = 0;
        for (long pid : pids) {
            process += processTicks(pid);
        }
        long busy = 0;
        long total = 0;
        try {
            String[] cpu =
                    Files.readAllLines(Path.of("/proc/stat")).getFirst().trim().split("\\s+");
            for (int i = 1; i < cpu.length && i <= 8; i++) {
                long value = Long.parseLong(cpu[i]);
                total += value;
                if (i != 4 && i != 5) { // idle, iowait
                    busy += value;
                }
            }
        } catch (IOException e) {
            // leave zeros: reported as unknown
        }
        return new CpuSample(process, busy, total);
    }

    static long processTicks(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    double processMillisSince(CpuSample before) {
        return (processTicks - before.processTicks) * MS_PER_TICK;
    }

    double machineBusyFractionSince(CpuSample before) {
        long total = machineTotalTicks - before.machineTotalTicks;
        return total == 0 ? Double.NaN : (double) (machineBusyTicks - before.machineBusyTicks) / total;
    }
}
