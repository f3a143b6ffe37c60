package dev.loresmith.testing;

import org.junit.jupiter.api.Assumptions;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.localstack.LocalStackContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * The {@code -Plocalstack} profile: one LocalStack container for the whole suite, started on first use.
 * Without a Docker engine every test that needs AWS is skipped (aborted), not failed — unless
 * {@code -Dloresmith.localstack.required=true} (the hosted CI job, which has Docker): then a missing engine or a
 * container that does not start fails the run, so the job can never pass without having run.
 */
final class LocalStackSupport {

    static final String PROPERTY = "loresmith.localstack";
    private static final DockerImageName IMAGE = DockerImageName.parse("localstack/localstack:4.4");
    private static LocalStackContainer container;

    private LocalStackSupport() {
    }

    static boolean requested() {
        return Boolean.getBoolean(PROPERTY);
    }

    static synchronized String endpoint() {
        boolean docker = DockerClientFactory.instance().isDockerAvailable();
        if (!docker && Boolean.getBoolean(PROPERTY + ".required")) {
            throw new IllegalStateException("-Plocalstack with loresmith.localstack.required: no Docker engine, so LocalStack cannot run");
        }
        Assumptions.assumeTrue(docker, "-Plocalstack needs a Docker engine; none is available, so AWS-backed tests are skipped");
        if (container == null) {
            container = new LocalStackContainer(IMAGE).withServices(
                    LocalStackContainer.Service.DYNAMODB, LocalStackContainer.EnabledService.named("scheduler"));
            container.start();
        }
        return container.getEndpoint().toString();
    }
}
