package document

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/go-pdf/fpdf"

	"socrates/internal/apperr"
)

// makePDF writes a PDF with one line of text per element of lines, a page
// per element of pages, with fpdf's core Helvetica (WinAnsi encoding).
func makePDF(t *testing.T, pages ...[]string) []byte {
	t.Helper()
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetFont("Helvetica", "", 12)
	latin := pdf.UnicodeTranslatorFromDescriptor("") // UTF-8 to the core fonts' cp1252
	for _, lines := range pages {
		pdf.AddPage()
		for _, l := range lines {
			pdf.Cell(0, 10, latin(l))
			pdf.Ln(10)
		}
	}
	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// errCode returns the userError code of a validation error, "" for nil.
func errCode(t *testing.T, err error) apperr.UserCode {
	t.Helper()
	if err == nil {
		return ""
	}
	v, ok := apperr.AsValidation(err)
	if !ok {
		t.Fatalf("not a validation error: %v", err)
	}
	return v.Errors[0].Code
}

func TestDecide(t *testing.T) {
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01")
	elf := append([]byte("\x7fELF\x02\x01\x01\x00"), make([]byte, 64)...)
	pdf := []byte("%PDF-1.4\n%âãÏÓ\n1 0 obj\n<<>>\nendobj\n")
	for _, c := range []struct {
		name, file string
		data       []byte
		want       string
		code       apperr.UserCode
	}{
		{"text", "notes.txt", []byte("We store orders in PostgreSQL.\n"), TypeText, ""},
		{"text with a BOM", "notes.txt", []byte(utf8BOM + "Ünïcödé text"), TypeText, ""},
		{"no extension is text", "README", []byte("plain words"), TypeText, ""},
		{"markdown", "spec.MD", []byte("# Title\n\n- a *list*\n"), TypeMarkdown, ""},
		{"markdown with html", "spec.markdown", []byte("<!DOCTYPE html><p>hi</p>"), TypeMarkdown, ""},
		{"json", "data.json", []byte(`{"a": [1, 2, "три"]}`), TypeJSON, ""},
		{"csv", "rows.csv", []byte("key,value\r\ndatabase,PostgreSQL\r\n"), TypeCSV, ""},
		{"pdf", "paper.pdf", pdf, TypePDF, ""},
		{"pdf without extension", "paper", pdf, TypePDF, ""},
		{"empty", "empty.txt", nil, "", apperr.CodeInvalid},
		{"png renamed txt", "image.txt", png, "", apperr.CodeUnsupportedType},
		{"png", "image.png", png, "", apperr.CodeUnsupportedType},
		{"executable renamed txt", "run.txt", elf, "", apperr.CodeUnsupportedType},
		{"executable", "run.exe", elf, "", apperr.CodeUnsupportedType},
		{"text named pdf", "fake.pdf", []byte("not a pdf at all"), "", apperr.CodeUnsupportedType},
		{"pdf named txt", "paper.txt", pdf, "", apperr.CodeUnsupportedType},
		{"html file", "page.html", []byte("<p>hi</p>"), "", apperr.CodeUnsupportedType},
		{"latin-1 text", "old.txt", []byte("caf\xe9 au lait"), "", apperr.CodeInvalid},
		{"nul late in text", "late.txt", append(bytes.Repeat([]byte("a"), 600), 0), "", apperr.CodeUnsupportedType},
		{"bad json", "data.json", []byte(`{"a": }`), "", apperr.CodeInvalid},
		{"two json values", "data.json", []byte(`{} {}`), "", apperr.CodeInvalid},
		{"truncated json", "data.json", []byte(`{"a": [1`), "", apperr.CodeInvalid},
		{"bad csv", "rows.csv", []byte("a,\"b\nc"), "", apperr.CodeInvalid},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := Decide(c.file, c.data)
			if got != c.want || errCode(t, err) != c.code {
				t.Fatalf("Decide(%q) = %q, %v; want %q, code %q", c.file, got, err, c.want, c.code)
			}
		})
	}
}

func TestFilename(t *testing.T) {
	for in, want := range map[string]string{
		"notes.txt": "notes.txt", "C:\\Users\\me\\spec.md": "spec.md", "/etc/../x/data.json": "data.json", "  a b.csv ": "a b.csv",
	} {
		if got, err := Filename(in); err != nil || got != want {
			t.Errorf("Filename(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for in, want := range map[string]apperr.UserCode{
		"": apperr.CodeRequired, "dir/": apperr.CodeRequired, "..": apperr.CodeRequired, "a\x01.txt": apperr.CodeInvalid,
		"\xff.txt": apperr.CodeInvalid, strings.Repeat("a", 256) + ".txt": apperr.CodeTooLong,
	} {
		if _, err := Filename(in); errCode(t, err) != want {
			t.Errorf("Filename(%q): %v; want %s", in, err, want)
		}
	}
}

func TestPDFText(t *testing.T) {
	data := makePDF(t,
		[]string{"Requirements for the payments platform", "The ledger keeps every refund for seven years."},
		[]string{"Page two: café, naïve – “quoted”"})
	text, truncated, err := Text(context.Background(), TypePDF, data)
	if err != nil || truncated {
		t.Fatalf("Text: %v, truncated %v", err, truncated)
	}
	for _, want := range []string{
		"Requirements for the payments platform\nThe ledger keeps every refund for seven years.",
		"Page two: café, naïve – “quoted”",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("text %q does not contain %q", text, want)
		}
	}
	if strings.Index(text, "seven years") > strings.Index(text, "Page two") {
		t.Errorf("pages out of order: %q", text)
	}
}

func TestPDFWithoutText(t *testing.T) {
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.AddPage()
	pdf.Rect(10, 10, 50, 50, "F")
	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		t.Fatal(err)
	}
	_, _, err := Text(context.Background(), TypePDF, buf.Bytes())
	if errCode(t, err) != apperr.CodeNoText {
		t.Fatalf("a PDF without text: %v; want NO_TEXT", err)
	}
}

func TestBrokenPDF(t *testing.T) {
	good := makePDF(t, []string{"hello"})
	for name, data := range map[string][]byte{
		"header only": []byte("%PDF-1.7\n"),
		"cut":         good[:len(good)/2],
		"garbage":     append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte("[[[(<<"), 4000)...),
	} {
		t.Run(name, func(t *testing.T) {
			_, _, err := Text(context.Background(), TypePDF, data)
			if c := errCode(t, err); c != apperr.CodeInvalid && c != apperr.CodeNoText {
				t.Fatalf("%s: %v; want INVALID or NO_TEXT", name, err)
			}
		})
	}
}

func TestTextIsCut(t *testing.T) {
	long := strings.Repeat("é", MaxTextBytes) // two bytes each
	text, truncated, err := Text(context.Background(), TypeText, []byte(long))
	if err != nil || !truncated || len(text) != MaxTextBytes || !strings.HasSuffix(text, "é") {
		t.Fatalf("cut text: %d bytes, truncated %v, %v", len(text), truncated, err)
	}
	if _, truncated, _ := Text(context.Background(), TypeText, []byte("short")); truncated {
		t.Fatal("short text reported cut")
	}
}

func TestContentStreamText(t *testing.T) {
	var buf strings.Builder
	x := &extractor{}
	x.out.w = &buf
	// A move along the line, a TJ with kerning and a word gap, a '
	// operator, a hex string, an inline image whose data holds
	// text-like bytes, nested arrays (not text), escapes.
	content := []byte(`BT /F1 12 Tf (Hello) Tj 30 0 Td [(Wor) 20 (ld) -300 (again)] TJ (next line) ' 40 0 Td <414243> Tj ET
BI /W 1 /H 1 ID (fake) Tj EI
BT [[[(deep)]]] TJ 0 -14 Td (\(escaped\) \101\102) Tj ET`)
	x.run(content, nil, 0)
	want := "Hello World again\nnext line ABC\n(escaped) AB"
	if got := tidy(buf.String()); got != want {
		t.Fatalf("text %q, want %q", got, want)
	}
}

func TestCMap(t *testing.T) {
	m := parseCMap([]byte(`/CIDInit /ProcSet findresource begin
1 begincodespacerange <0000> <FFFF> endcodespacerange
2 beginbfchar <0003> <0020> <0011> <0048> endbfchar
2 beginbfrange <0044> <0046> <0061> <0047> <0048> [<00660069> <D83DDE00>] endbfrange
endcmap`))
	if m == nil {
		t.Fatal("no cmap")
	}
	var buf strings.Builder
	w := &textWriter{w: &buf}
	m.decode(w, []byte{0x00, 0x11, 0x00, 0x44, 0x00, 0x46, 0x00, 0x03, 0x00, 0x47, 0x00, 0x48, 0x99, 0x99})
	if got, want := buf.String(), "Hac fi😀"; got != want {
		t.Fatalf("decoded %q, want %q", got, want)
	}
	// A code of no bytes is ignored (reading it would never advance).
	if m := parseCMap([]byte("1 beginbfchar <> <0041> endbfchar")); m != nil {
		t.Fatalf("an empty code was kept: %+v", m)
	}
}

// FuzzContentStream reads arbitrary bytes as a page's content stream and
// as a ToUnicode map: nothing may panic or run away (nesting is bounded).
func FuzzContentStream(f *testing.F) {
	for _, seed := range []string{
		"BT /F1 12 Tf (Hello) Tj [(W) -300 (orld)] TJ ET",
		"BI /W 1 ID \x00\x01 EI Q",
		"[[[[[[[[[[[[[[[[[[[[[[[[(x)]]]]]]]]]]]]]]]]]]]] TJ << /A << /B (c) >> >> (\\",
		"1 begincodespacerange <00> <FF> endcodespacerange 1 beginbfrange <00> <FF> <0041> endbfrange",
		"<41 4 (a\\101\\\n) ' \" T* 0 -1 Td",
		"1 beginbfchar <> <0041> endbfchar 1 beginbfchar <01> <0042> endbfchar",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var buf strings.Builder
		x := &extractor{}
		x.out.w = &buf
		x.run(data, nil, 0)
		if m := parseCMap(data); m != nil {
			m.decode(&textWriter{w: &buf}, data)
		}
	})
}
