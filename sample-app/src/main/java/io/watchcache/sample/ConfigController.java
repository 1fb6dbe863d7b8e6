package io.watchcache.sample;

import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.PropertySource;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code GET /config/{name}}: a {@code sample.*} property as the {@code Environment} has it now,
 * and the property source it comes from. With the {@code etcd} profile, keys under
 * {@code config/sample/} in etcd override application.yml, live.
 */
@RestController
public class ConfigController {

    private final ConfigurableEnvironment environment;

    public ConfigController(ConfigurableEnvironment environment) {
        this.environment = environment;
    }

    @GetMapping("/config/{name}")
    public Map<String, Object> property(@PathVariable("name") String name) {
        if (!name.startsWith("sample.")) {
            // Only the sample's own properties: the Environment also holds secrets.
            throw new NotShown(name);
        }
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("name", name);
        view.put("value", environment.getProperty(name));
        view.put("source", source(name));
        return view;
    }

    private String source(String name) {
        for (PropertySource<?> source : environment.getPropertySources()) {
            if (source.containsProperty(name) && !source.getName().equals("configurationProperties")) {
                return source.getName();
            }
        }
        return null;
    }

    static final class NotShown extends RuntimeException {
        NotShown(String name) {
            super("only sample.* properties are shown, not '" + name + "'");
        }
    }

    @ExceptionHandler(NotShown.class)
    ProblemDetail notShown(NotShown e) {
        return ProblemDetail.forStatusAndDetail(HttpStatus.FORBIDDEN, e.getMessage());
    }
}
