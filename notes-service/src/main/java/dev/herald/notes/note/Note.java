package dev.herald.notes.note;

import dev.herald.contracts.NoteData;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import jakarta.persistence.Version;
import java.time.Instant;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.springframework.data.domain.Persistable;

/**
 * A note row. {@code version} is JPA's optimistic lock and the note's ETag. The id is assigned here, so
 * the entity says itself whether it is new (no version yet): saving a new note is a plain insert, with no
 * select to find out whether the id exists.
 */
@Entity
@Table(name = "notes")
class Note implements Persistable<UUID> {

    @Id
    private UUID id;

    @Column(nullable = false, length = 200)
    private String title;

    @Column(nullable = false)
    private String content;

    @Column(name = "created_by", nullable = false, updatable = false)
    private String createdBy;

    @Version
    private @Nullable Long version;

    @Column(name = "created_at", nullable = false, updatable = false)
    private Instant createdAt;

    @Column(name = "updated_at", nullable = false)
    private Instant updatedAt;

    @SuppressWarnings("NullAway.Init") // for JPA
    protected Note() {}

    Note(UUID id, String title, String content, String createdBy, Instant now) {
        this.id = id;
        this.title = title;
        this.content = content;
        this.createdBy = createdBy;
        this.createdAt = now;
        this.updatedAt = now;
    }

    void change(String title, String content, Instant now) {
        this.title = title;
        this.content = content;
        this.updatedAt = now;
    }

    UUID id() {
        return id;
    }

    @Override
    public UUID getId() {
        return id;
    }

    @Override
    public boolean isNew() {
        return version == null;
    }

    String createdBy() {
        return createdBy;
    }

    long version() {
        return version == null ? 0 : version;
    }

    /** The note as events and responses carry it (call after a flush so the version is current). */
    NoteData toData() {
        return new NoteData(id, title, content, createdBy, version(), createdAt, updatedAt);
    }
}
