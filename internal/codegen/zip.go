package codegen

import (
	"archive/zip"
	"fmt"
	"io"
	"sort"

	"socrates/models"
)

// msDosDate1980 is 1980-01-01 in MS-DOS date format (day 1, month 1, year
// 0), the modification date of every entry: the archive of a generation
// is the same bytes whenever it is downloaded.
const msDosDate1980 = 1<<5 | 1

// ZipWriter writes a generation's files as a deterministic ZIP: entries
// in the order given (the store reads them in path order), each with a
// fixed modification time, no extra fields and no comment. Each path is
// checked with ValidatePath first.
type ZipWriter struct {
	zw *zip.Writer
}

// NewZipWriter starts an archive on w.
func NewZipWriter(w io.Writer) *ZipWriter { return &ZipWriter{zw: zip.NewWriter(w)} }

// Add writes one file.
func (z *ZipWriter) Add(f *models.GeneratedFile) error {
	if err := ValidatePath(f.Path); err != nil {
		return err
	}
	// Modified stays zero: setting it would add an extended-timestamp
	// extra field; the MS-DOS fields alone carry the fixed time.
	//lint:ignore SA1019 the deprecated field is the one that writes no extra field
	h := &zip.FileHeader{Name: f.Path, Method: zip.Deflate, ModifiedDate: msDosDate1980}
	h.SetMode(0o644)
	w, err := z.zw.CreateHeader(h)
	if err != nil {
		return fmt.Errorf("zip entry %s: %w", f.Path, err)
	}
	if _, err := io.WriteString(w, f.Content); err != nil {
		return fmt.Errorf("zip entry %s: %w", f.Path, err)
	}
	return nil
}

// Close writes the central directory.
func (z *ZipWriter) Close() error {
	if err := z.zw.Close(); err != nil {
		return fmt.Errorf("finish zip: %w", err)
	}
	return nil
}

// WriteZip writes files, sorted by path, as one deterministic archive.
func WriteZip(w io.Writer, files []*models.GeneratedFile) error {
	sorted := append([]*models.GeneratedFile(nil), files...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Path < sorted[j].Path })
	z := NewZipWriter(w)
	for _, f := range sorted {
		if err := z.Add(f); err != nil {
			return err
		}
	}
	return z.Close()
}
