package dev.rebound.server.config;

/** A configuration value that cannot be used; the message names the key, the bad value and what is allowed. */
public final class ConfigException extends RuntimeException {
    public ConfigException(String message) {
        super(message);
    }

    static ConfigException bad(String key, Object value, String allowed) {
        return new ConfigException("config key '" + key + "': value '" + value + "' is not valid; " + allowed);
    }
}
