package dev.loresmith.content;

import java.math.BigInteger;

/**
 * An unsigned 64-bit content id (0 … 2^64−1), carried in a {@code long}'s bits.
 * Every arithmetic use goes through the unsigned JDK operations.
 */
public record ContentId(long bits) {

    private static final BigInteger MAX = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);

    /** Parses a non-negative decimal of at most 2^64−1; throws {@link IllegalArgumentException} otherwise. */
    public static ContentId parse(String decimal) {
        if (decimal == null || decimal.isEmpty() || decimal.length() > 20 || !decimal.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new IllegalArgumentException("must be an integer from 0 to 18446744073709551615");
        }
        return of(new BigInteger(decimal));
    }

    public static ContentId of(BigInteger value) {
        if (value.signum() < 0 || value.compareTo(MAX) > 0) {
            throw new IllegalArgumentException("must be an integer from 0 to 18446744073709551615");
        }
        return new ContentId(value.longValue());
    }

    /** {@code this mod n}, unsigned. */
    public int mod(int n) {
        return (int) Long.remainderUnsigned(bits, n);
    }

    public BigInteger toBigInteger() {
        return new BigInteger(Long.toUnsignedString(bits));
    }

    @Override
    public String toString() {
        return Long.toUnsignedString(bits);
    }
}
