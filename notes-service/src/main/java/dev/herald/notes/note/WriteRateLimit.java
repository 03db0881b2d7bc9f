package dev.herald.notes.note;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.time.Duration;
import org.springframework.http.HttpMethod;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.web.servlet.HandlerInterceptor;

/**
 * Each user's writes ({@code POST}, {@code PUT}, {@code DELETE} on {@code /notes}) are metered by a token
 * bucket (Bucket4j): {@code burst} at once, refilled at {@code perSecond}. A write over the rate is refused
 * before its body is read, so nothing of it is stored. Buckets live in memory per instance, for the users
 * seen recently (an idle user's bucket is full again anyway).
 */
final class WriteRateLimit implements HandlerInterceptor {

    private final NotesProperties.WriteRate rate;
    private final Cache<String, Bucket> buckets;

    WriteRateLimit(NotesProperties.WriteRate rate) {
        this.rate = rate;
        Duration refillAll =
                Duration.ofNanos(Math.max(1, Duration.ofSeconds(1).toNanos() * rate.burst() / rate.perSecond()));
        this.buckets = Caffeine.newBuilder()
                .maximumSize(rate.maxUsers())
                .expireAfterAccess(refillAll.plusSeconds(1))
                .build();
    }

    @Override
    public boolean preHandle(HttpServletRequest request, HttpServletResponse response, Object handler) {
        if (HttpMethod.GET.matches(request.getMethod())
                || HttpMethod.HEAD.matches(request.getMethod())
                || HttpMethod.OPTIONS.matches(request.getMethod())) {
            return true;
        }
        Authentication caller = SecurityContextHolder.getContext().getAuthentication();
        if (caller == null) {
            return true; // the security chain refuses anonymous calls before they get here
        }
        ConsumptionProbe probe =
                buckets.get(caller.getName(), user -> newBucket()).tryConsumeAndReturnRemaining(1);
        if (!probe.isConsumed()) {
            throw new WriteRateExceededException(Duration.ofNanos(probe.getNanosToWaitForRefill()));
        }
        return true;
    }

    private Bucket newBucket() {
        return Bucket.builder()
                .addLimit(limit -> limit.capacity(rate.burst()).refillGreedy(rate.perSecond(), Duration.ofSeconds(1)))
                .build();
    }
}
