package suites

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/authchaos/authchaos/fakeserver"
)

// ParseJournal reads a saved journal, which `judge --journal` takes from
// users and so from anywhere: the JSON array GET /__admin/journal returns,
// the JSON lines `authchaos journal --json` prints, or a JSON report of a
// run (`run --json-report`) that holds one scenario's journal. An error
// says where the input went wrong (line and column) and what was
// expected there, since the person reading it has the file open.
func ParseJournal(data []byte) ([]fakeserver.Entry, error) {
	trimmed := bytes.TrimLeft(data, " \t\r\n\ufeff")
	if len(trimmed) == 0 {
		return nil, errors.New("empty input: expected a journal (a JSON array of entries, as GET /__admin/journal returns)")
	}
	skipped := len(data) - len(trimmed)
	var entries []fakeserver.Entry
	switch trimmed[0] {
	case '[':
		if err := decodeOne(data, &entries, "a JSON array of journal entries"); err != nil {
			return nil, err
		}
	case '{':
		var err error
		if entries, err = decodeObjects(data); err != nil {
			return nil, err
		}
	default:
		line, col := position(data, int64(skipped))
		return nil, fmt.Errorf("line %d, column %d: found %s; expected a journal: a JSON array of entries (GET /__admin/journal), JSON lines (authchaos journal --json) or a JSON report (run --json-report)", line, col, quoteByte(trimmed[0]))
	}
	for i, e := range entries {
		if e.Seq <= 0 {
			return nil, fmt.Errorf("entry %d has no seq (or seq %d): every journal entry carries its seq, 1 or more", i+1, e.Seq)
		}
		if i > 0 && e.Seq <= entries[i-1].Seq {
			return nil, fmt.Errorf("entry %d has seq %d after seq %d: a journal is in arrival order, each seq greater than the last", i+1, e.Seq, entries[i-1].Seq)
		}
	}
	return entries, nil
}

// decodeOne decodes exactly one JSON value of data into v.
func decodeOne(data []byte, v any, want string) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(v); err != nil {
		return located(data, dec, err, want)
	}
	if off, extra := trailing(dec); extra {
		line, col := position(data, off)
		return fmt.Errorf("line %d, column %d: more input after the end of %s", line, col, want)
	}
	return nil
}

// decodeObjects reads what starts with an object: a report (one object
// with "results") or JSON lines of entries.
func decodeObjects(data []byte) ([]fakeserver.Entry, error) {
	var probe map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&probe); err != nil {
		return nil, located(data, dec, err, "a JSON object (a journal entry or a report)")
	}
	if _, isReport := probe["results"]; isReport {
		var rep struct {
			Results []struct {
				Scenario string             `json:"scenario"`
				Journal  []fakeserver.Entry `json:"journal"`
			} `json:"results"`
		}
		if err := decodeOne(data, &rep, "a JSON report"); err != nil {
			return nil, err
		}
		var with []string
		var journal []fakeserver.Entry
		for _, r := range rep.Results {
			if len(r.Journal) > 0 {
				with = append(with, r.Scenario)
				journal = r.Journal
			}
		}
		switch len(with) {
		case 0:
			return nil, errors.New("the report holds no journal (reports carry one per scenario played)")
		case 1:
			return journal, nil
		}
		return nil, fmt.Errorf("the report holds the journals of %d scenarios (%s); judge one: jq '.results[] | select(.scenario == \"%s\") | .journal' REPORT > journal.json", len(with), strings.Join(with, ", "), with[0])
	}
	// JSON lines: one entry an object.
	var entries []fakeserver.Entry
	dec = json.NewDecoder(bytes.NewReader(data))
	for {
		var e fakeserver.Entry
		err := dec.Decode(&e)
		if errors.Is(err, io.EOF) {
			return entries, nil
		}
		if err != nil {
			return nil, located(data, dec, err, fmt.Sprintf("journal entry %d (JSON lines, one entry an object)", len(entries)+1))
		}
		entries = append(entries, e)
	}
}

// located turns a decoding error into one that names the line and
// column, and what was expected there.
func located(data []byte, dec *json.Decoder, err error, want string) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		// Offset counts the byte that broke the syntax: point at it.
		line, col := position(data, syn.Offset-1)
		return fmt.Errorf("line %d, column %d: %s; expected %s", line, col, syn.Error(), want)
	case errors.As(err, &typ):
		line, col := position(data, typ.Offset)
		field := typ.Field
		if field == "" {
			field = "the value"
		}
		return fmt.Errorf("line %d, column %d: %s is a JSON %s, expected %s (in %s)", line, col, field, typ.Value, typ.Type, want)
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		line, col := position(data, int64(len(data)))
		return fmt.Errorf("line %d, column %d: the input ends before %s does (truncated?)", line, col, want)
	}
	line, col := position(data, dec.InputOffset())
	return fmt.Errorf("line %d, column %d: %w; expected %s", line, col, err, want)
}

// trailing reports whether anything but white space follows the value
// dec has read, and where.
func trailing(dec *json.Decoder) (int64, bool) {
	off := dec.InputOffset()
	var extra json.RawMessage
	err := dec.Decode(&extra)
	return off, !errors.Is(err, io.EOF)
}

// position turns a byte offset into a 1-based line and column.
func position(data []byte, off int64) (line, col int) {
	off = min(max(off, 0), int64(len(data)))
	before := data[:off]
	line = bytes.Count(before, []byte{'\n'}) + 1
	col = int(off) - (bytes.LastIndexByte(before, '\n') + 1) + 1
	return line, col
}

func quoteByte(b byte) string {
	if b >= 0x20 && b < 0x7f {
		return fmt.Sprintf("%q", string(b))
	}
	return fmt.Sprintf("byte 0x%02x", b)
}
