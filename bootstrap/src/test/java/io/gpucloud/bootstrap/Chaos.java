package io.gpucloud.bootstrap;

import java.time.Duration;

/**
 * How hard the reliability tests push: {@code fast} in the normal test command, {@code short} and {@code long} from
 * {@code scripts/chaos.sh} ({@code -Dgpucloud.chaos.mode=...}); single figures can be overridden one by one.
 */
final class Chaos {
    static final String MODE = System.getProperty("gpucloud.chaos.mode", "fast");

    private Chaos() {
    }

    static boolean isLong() {
        return MODE.equals("long");
    }

    /** {@code fast}/{@code short}/{@code long} values for a figure, unless {@code -Dgpucloud.chaos.<name>} is set. */
    static long figure(String name, long fast, long shortRun, long longRun) {
        return Long.getLong("gpucloud.chaos." + name, switch (MODE) {
            case "long" -> longRun;
            case "short" -> shortRun;
            default -> fast;
        });
    }

    static Duration seconds(String name, long fast, long shortRun, long longRun) {
        return Duration.ofSeconds(figure(name, fast, shortRun, longRun));
    }

    /** One line the chaos script collects into its report (grep "CHAOS "). */
    static void report(String format, Object... args) {
        System.out.println("CHAOS [" + MODE + "] " + String.format(format, args));
    }
}
