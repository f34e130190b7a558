package database

import (
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
)

// SQLite result codes (the low byte of an extended code) that mean the
// database cannot take writes now, whatever the statement.
const (
	sqliteReadOnly = 8  // SQLITE_READONLY
	sqliteIOErr    = 10 // SQLITE_IOERR
	sqliteFull     = 13 // SQLITE_FULL
	sqliteCantOpen = 14 // SQLITE_CANTOPEN
)

// Unavailable reports whether err means the database could not be reached
// or cannot work now (the connection was refused, reset or closed, the
// server is shutting down or refuses connections, the file is read-only or
// the disk full), as opposed to a fault in a statement. Such an error is the
// same whichever request meets it; a client may try again later.
func Unavailable(err error) bool {
	if err == nil {
		return false
	}
	var connectErr *pgconn.ConnectError
	var netErr net.Error
	switch {
	case errors.As(err, &connectErr), errors.As(err, &netErr),
		errors.Is(err, driver.ErrBadConn), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF),
		errors.Is(err, net.ErrClosed), errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, syscall.EPIPE):
		return true
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		// Class 08 is a connection exception; 57P01-57P03 an administrator
		// or crash shutdown, or a server not yet accepting connections;
		// 53300 too many connections.
		return strings.HasPrefix(pgErr.Code, "08") || pgErr.Code == "57P01" || pgErr.Code == "57P02" ||
			pgErr.Code == "57P03" || pgErr.Code == "53300"
	}
	var liteErr *sqlite.Error
	if errors.As(err, &liteErr) {
		switch liteErr.Code() & 0xff {
		case sqliteReadOnly, sqliteIOErr, sqliteFull, sqliteCantOpen:
			return true
		}
		return false
	}
	// pgx reports using a connection it already closed as "conn closed",
	// an error it marks safe to retry because nothing was sent.
	return pgconn.SafeToRetry(err)
}
