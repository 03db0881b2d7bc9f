package dev.herald.notes.note;

import jakarta.persistence.LockModeType;
import java.util.Optional;
import java.util.UUID;
import org.springframework.data.domain.Pageable;
import org.springframework.data.domain.Slice;
import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Lock;
import org.springframework.data.jpa.repository.Query;

interface NoteRepository extends JpaRepository<Note, UUID> {

    /**
     * Reads a note and locks its row until the transaction ends, so that two writes to one note
     * enqueue their events in commit order.
     */
    @Lock(LockModeType.PESSIMISTIC_WRITE)
    @Query("select n from Note n where n.id = :id")
    Optional<Note> findForUpdate(UUID id);

    @Query("select n from Note n where n.createdBy = :owner order by n.createdAt desc, n.id desc")
    Slice<Note> findNewestOf(String owner, Pageable page);

    @Query("select n from Note n order by n.createdAt desc, n.id desc")
    Slice<Note> findNewest(Pageable page);
}
