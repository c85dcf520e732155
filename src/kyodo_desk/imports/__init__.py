"""Bringing existing registers in (取り込み), the file side: reading an office file into rows of
cells, finding its header and guessing its columns. Nothing here touches the database; the
import services build on it."""
