package dev.rebound.server.cli;

/** Entry point of the rebound launcher. */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        System.out.println("rebound: no commands yet");
    }
}
