package dev.loresmith.log;

import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkServiceException;

/**
 * What may be logged or returned about an exception: its class, and for AWS service errors the status and
 * error code AWS assigned — never {@code getMessage()}. A foreign message can quote a header value (the
 * JDK quotes an invalid one, and the one we send is the API key) or a request's content (a player's).
 */
public final class ErrorSummary {

    private ErrorSummary() {
    }

    public static String of(Throwable error) {
        if (error == null) {
            return "none";
        }
        String name = error.getClass().getSimpleName();
        if (error instanceof AwsServiceException aws && aws.awsErrorDetails() != null) {
            String code = aws.awsErrorDetails().errorCode();
            return name + " (" + aws.statusCode() + (code == null ? "" : " " + safe(code)) + ")";
        }
        if (error instanceof SdkServiceException service) {
            return name + " (" + service.statusCode() + ")";
        }
        return name;
    }

    /** AWS error codes are identifiers; anything else is dropped rather than echoed. */
    private static String safe(String code) {
        return code.matches("[A-Za-z0-9_.:#-]{1,100}") ? code : "?";
    }
}
