package org.pingora4j.pool;

/**
 * The key that groups interchangeable connections: any idle connection of a group may serve any
 * request for that group. Mirrors pingora's {@code GroupKey}, which is the peer's
 * {@code reuse_hash()}.
 *
 * <p>Pingora keys its pool by a bare {@code u64} hash, so two peers whose hashes collide silently
 * share connections (a TODO in {@code pingora-pool/src/connection.rs} admits it). Sharing a
 * connection verified against one trust root with a peer that trusts another is a security bug, not
 * a performance one, so this key carries both:
 * <ul>
 *   <li>{@link #hash()}: the 64-bit reuse hash, used for fast lookup, logging and metrics;</li>
 *   <li>{@link #identity()}: optionally, the exact value the hash was computed from (for example a
 *       record of address, TLS settings and trust root). When present, two keys are equal only if
 *       both their hashes and their identities are equal, so a collision can never mix groups.</li>
 * </ul>
 * Build keys once per peer and keep them: {@link #hashCode()} uses only the hash, so a lookup never
 * re-hashes the identity.
 *
 * @param hash the 64-bit reuse hash
 * @param identity the exact reuse identity, or {@code null} to compare by hash alone
 */
public record GroupKey(long hash, Object identity) {

    /**
     * Returns a key compared by its hash alone, as pingora does. Suitable when the hash is known to
     * be collision free (tests, a single upstream).
     */
    public static GroupKey of(long hash) {
        return new GroupKey(hash, null);
    }

    /**
     * Returns a key compared by hash and identity.
     *
     * @throws NullPointerException if {@code identity} is null
     */
    public static GroupKey of(long hash, Object identity) {
        if (identity == null) {
            throw new NullPointerException("identity");
        }
        return new GroupKey(hash, identity);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(hash);
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof GroupKey other)) {
            return false;
        }
        return hash == other.hash
                && (identity == other.identity || identity != null && identity.equals(other.identity));
    }

    @Override
    public String toString() {
        return identity == null
                ? "GroupKey(" + Long.toHexString(hash) + ')'
                : "GroupKey(" + Long.toHexString(hash) + ", " + identity + ')';
    }
}
