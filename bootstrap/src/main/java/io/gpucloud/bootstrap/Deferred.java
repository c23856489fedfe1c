package io.gpucloud.bootstrap;

import io.gpucloud.domain.UnavailableException;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A port whose adapter arrives later: the server listens before PostgreSQL is reachable, so the
 * use cases get this stand-in, which answers {@link UnavailableException} (503) until
 * {@link #set} hands it the real adapter.
 */
final class Deferred<T> {
    private final Class<T> port;
    private final String dependency;
    private final AtomicReference<T> target = new AtomicReference<>();
    private final T proxy;

    Deferred(Class<T> port, String dependency) {
        this.port = port;
        this.dependency = dependency;
        InvocationHandler handler = (self, method, args) -> {
            if (method.getDeclaringClass() == Object.class) {
                return switch (method.getName()) {
                    case "toString" -> "Deferred[" + port.getSimpleName() + "]";
                    case "hashCode" -> System.identityHashCode(self);
                    case "equals" -> self == args[0];
                    default -> throw new UnsupportedOperationException(method.getName());
                };
            }
            T real = target.get();
            if (real == null) {
                throw new UnavailableException(dependency, "the " + dependency + " is not connected yet");
            }
            try {
                return method.invoke(real, args);
            } catch (InvocationTargetException thrown) {
                throw thrown.getCause();
            }
        };
        this.proxy = port.cast(Proxy.newProxyInstance(port.getClassLoader(), new Class<?>[] {port}, handler));
    }

    T proxy() {
        return proxy;
    }

    void set(T real) {
        target.set(real);
    }

    Optional<T> get() {
        return Optional.ofNullable(target.get());
    }

    @Override
    public String toString() {
        return "Deferred[" + port.getSimpleName() + ", " + (target.get() == null ? "pending" : "set") + "]";
    }
}
