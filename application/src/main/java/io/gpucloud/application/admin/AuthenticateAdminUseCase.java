package io.gpucloud.application.admin;

/** Checks the admin bearer token, in constant time. Non-blocking. */
public interface AuthenticateAdminUseCase {
    boolean isAdmin(String presentedToken);
}
