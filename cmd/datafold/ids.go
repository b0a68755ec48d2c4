package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// idSource is one place ids come from: the command line, stdin or a file.
type idSource struct {
	name string    // as the user wrote it: "ids.txt", "stdin"; "" for arguments
	r    io.Reader // nil for arguments
	args []string  // the ids given as arguments
}

// maxReported bounds how many bad ids one run lists, so a wrong file of
// 100,000 lines prints a screenful, not the file.
const maxReported = 10

// dedupe drops every repeat of an id, keeping its first place.
func dedupe(ids []int) []int {
	seen := make(map[int]bool, len(ids))
	out := ids[:0]
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// readIDs reads and checks every id from every source before anything is
// sent, so a typo on line 90,000 removes nothing. The error lists the first
// few bad ids with where they are.
func readIDs(sources []idSource) ([]int, error) {
	var ids []int
	var bad []string
	total := 0
	report := func(where, tok string, err error) {
		total++
		if len(bad) < maxReported {
			bad = append(bad, fmt.Sprintf("%s%q: %v", where, tok, err))
		}
	}
	for _, src := range sources {
		if src.r == nil {
			for _, a := range src.args {
				id, err := parseID(a)
				if err != nil {
					report("", a, err)
					continue
				}
				ids = append(ids, id)
			}
			continue
		}
		err := scanIDs(src.r, func(line int, tok string) {
			id, err := parseID(tok)
			if err != nil {
				report(fmt.Sprintf("%s:%d: ", src.name, line), tok, err)
				return
			}
			ids = append(ids, id)
		})
		if err != nil {
			return nil, usageError{msg: fmt.Sprintf("reading %s: %v", src.name, err), err: err}
		}
	}
	if total > 0 {
		msg := "invalid integration id " + strings.Join(bad, "\n  invalid integration id ")
		if total > len(bad) {
			msg += fmt.Sprintf("\n  and %d more", total-len(bad))
		}
		return nil, usageError{msg: msg}
	}
	if len(ids) == 0 {
		return nil, usageError{msg: "no integration ids given"}
	}
	return dedupe(ids), nil
}

// maxToken is the longest token kept in full. Longer ones are never valid
// ids (the largest has 19 digits); keeping only their start bounds memory
// whatever the input.
const maxToken = 40

// scanIDs calls fn with each whitespace-separated token of r and its line,
// skipping "#" comments to the end of the line. It reads a byte at a time
// from a buffer, so neither a long line nor a long token grows memory.
func scanIDs(r io.Reader, fn func(line int, tok string)) error {
	br := bufio.NewReaderSize(r, 64<<10)
	var (
		tok       []byte
		truncated bool
		line      = 1
		comment   bool
	)
	flush := func() {
		if len(tok) == 0 {
			return
		}
		s := string(tok)
		if truncated {
			s += "…"
		}
		fn(line, s)
		tok, truncated = tok[:0], false
	}
	for {
		c, err := br.ReadByte()
		if errors.Is(err, io.EOF) {
			flush()
			return nil
		}
		if err != nil {
			return err
		}
		switch {
		case c == '\n':
			flush()
			line++
			comment = false
		case comment:
		case c == '#':
			flush()
			comment = true
		case c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f':
			flush()
		case len(tok) < maxToken:
			tok = append(tok, c)
		default:
			truncated = true
		}
	}
}

// parseID accepts an id exactly as the API prints it: decimal digits, no
// sign, no leading zero, from 1 to the largest int. Anything else is
// refused with the reason, so "007" or "+5" never pass as something the
// user did not mean.
func parseID(s string) (int, error) {
	switch {
	case s == "":
		return 0, errors.New("empty")
	case s[0] == '+':
		return 0, errors.New("ids are written without a sign")
	case s[0] == '-' && len(s) > 1 && isDigits(s[1:]):
		return 0, errors.New("ids are positive")
	case strings.Contains(s, ",") && isDigits(strings.ReplaceAll(s, ",", "")):
		return 0, errors.New("separate ids with spaces or newlines, not commas")
	case !isDigits(s):
		return 0, errors.New("ids are positive whole numbers, such as 42")
	case s == "0" || strings.Trim(s, "0") == "":
		return 0, errors.New("ids start at 1")
	case s[0] == '0':
		return 0, fmt.Errorf("a leading zero is not allowed; write %s", strings.TrimLeft(s, "0"))
	}
	id, err := strconv.Atoi(s)
	if err != nil { // only a range error is left
		return 0, fmt.Errorf("too large: the largest id is %d", maxInt)
	}
	return id, nil
}

const maxInt = int(^uint(0) >> 1)

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
