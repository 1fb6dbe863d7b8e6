package io.watchcache;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.AppenderBase;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Keeps every log line the library writes during tests, so tests can assert on them (and on what they lack). */
public class CapturedLogs extends AppenderBase<ILoggingEvent> {

    private static final List<String> LINES = new CopyOnWriteArrayList<>();

    @Override
    protected void append(ILoggingEvent event) {
        String line = event.getLevel() + " " + event.getFormattedMessage();
        if (event.getThrowableProxy() != null) {
            line += "\n" + ThrowableProxyUtil.asString(event.getThrowableProxy());
        }
        LINES.add(line);
    }

    public static List<String> lines() {
        return List.copyOf(LINES);
    }

    public static String all() {
        return String.join("\n", LINES);
    }
}
