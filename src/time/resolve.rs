//! Completing a [`Stamp`] with context: zone, year, header dates, DST, order of the stream.
