package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/datafold/datafold-go/api"
)

// errFailed says that at least one id failed (or was absent without
// --ignore-not-found) and was reported.
var errFailed = errors.New("some removals failed")

// removeIDs runs the removals, reporting each id as it finishes and a
// summary at the end, and handles interrupts: the first stops new
// removals, the second cancels those in flight.
func removeIDs(ctx context.Context, client api.ClientWithResponsesInterface, ids []int, f *removeFlags, e env) error {
	hard, cancelHard := context.WithCancel(ctx)
	defer cancelHard()
	stop, cancelStop := context.WithCancel(hard)
	defer cancelStop()

	p := &printer{
		json:           f.output == "json",
		ignoreNotFound: f.ignoreNotFound,
		stdout:         e.stdout,
		stderr:         e.stderr,
		progress:       progressWriter(e.stderr),
		total:          len(ids),
	}

	var sig os.Signal
	finished := make(chan struct{})
	watched := make(chan struct{})
	go func() {
		defer close(watched)
		select {
		case sig = <-e.signals:
		case <-finished:
			return
		}
		cancelStop()
		p.notice("datafold: interrupted: starting no new removals; waiting for those in flight (interrupt again to cancel them)")
		select {
		case <-e.signals:
			cancelHard()
			p.notice("datafold: interrupted again: canceling the removals in flight")
		case <-finished:
		}
	}()

	notAttempted := removeAll(stop, hard, client, ids, int(f.concurrency), time.Duration(f.timeout), p.result)
	close(finished)
	<-watched

	p.t.NotAttempted = notAttempted
	p.t.Interrupted = sig != nil
	p.summary()
	switch {
	case sig != nil:
		return interrupted{sig}
	case p.t.Failed > 0, p.t.Absent > 0 && !f.ignoreNotFound:
		return errFailed
	}
	return nil
}

// printer writes each result as it arrives: NDJSON, or lines for people.
type printer struct {
	mu             sync.Mutex
	json           bool
	ignoreNotFound bool
	stdout, stderr io.Writer
	progress       func(done, failed, total int)
	total, done    int
	t              tally
	buf            []byte
}

func (p *printer) result(r result) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done++
	switch r.Outcome {
	case outcomeRemoved:
		p.t.Removed++
	case outcomeAbsent:
		p.t.Absent++
	default:
		p.t.Failed++
	}
	if p.json {
		p.writeJSON(r)
	} else {
		p.writeText(r)
	}
	bad := p.t.Failed
	if !p.ignoreNotFound {
		bad += p.t.Absent
	}
	p.progress(p.done, bad, p.total)
}

// writeJSON writes one line with one Write, so a reader of a pipe never
// sees half an object.
func (p *printer) writeJSON(v any) {
	b, err := json.Marshal(v)
	if err != nil { // the types here always marshal
		panic(err)
	}
	p.buf = append(append(p.buf[:0], b...), '\n')
	_, _ = p.stdout.Write(p.buf)
}

func (p *printer) writeText(r result) {
	var extra []string
	if r.Attempts > 1 {
		extra = append(extra, fmt.Sprintf("after %d attempts", r.Attempts))
	}
	if r.RequestID != nil {
		extra = append(extra, "request id "+*r.RequestID)
	}
	suffix := ""
	if len(extra) > 0 {
		suffix = " [" + strings.Join(extra, ", ") + "]"
	}
	note := ""
	if r.Note != "" {
		note = " (" + r.Note + ")"
	}
	switch {
	case r.Outcome == outcomeRemoved:
		fmt.Fprintf(p.stdout, "removed integration %d%s\n", r.ID, note)
	case r.Outcome == outcomeAbsent && p.ignoreNotFound:
		fmt.Fprintf(p.stdout, "absent integration %d: %s%s%s\n", r.ID, *r.Error, note, suffix)
	case r.Outcome == outcomeAbsent:
		fmt.Fprintf(p.stderr, "error: integration %d is absent: %s%s%s\n", r.ID, *r.Error, note, suffix)
	default:
		fmt.Fprintf(p.stderr, "error: integration %d: %s%s\n", r.ID, *r.Error, suffix)
	}
}

func (p *printer) notice(msg string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.progress(-1, 0, 0)
	fmt.Fprintln(p.stderr, msg)
}

func (p *printer) summary() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.progress(-1, 0, 0)
	if p.json {
		p.writeJSON(struct {
			Summary tally `json:"summary"`
		}{p.t})
		return
	}
	line := fmt.Sprintf("%d removed, %d absent, %d failed", p.t.Removed, p.t.Absent, p.t.Failed)
	if p.t.Interrupted {
		line += fmt.Sprintf(", %d not attempted (interrupted)", p.t.NotAttempted)
	}
	fmt.Fprintln(p.stdout, line)
	if p.t.Absent > 0 && !p.ignoreNotFound {
		fmt.Fprintln(p.stderr, "datafold: absent ids count as failures; --ignore-not-found accepts them")
	}
}

// progressWriter draws "removing: 37/1000 (2 failed)" on one line of w
// when w is a terminal, and nothing otherwise, so logs stay clean. A done
// below zero clears the line.
func progressWriter(w io.Writer) func(done, failed, total int) {
	f, ok := w.(*os.File)
	if !ok {
		return func(int, int, int) {}
	}
	if st, err := f.Stat(); err != nil || st.Mode()&os.ModeCharDevice == 0 {
		return func(int, int, int) {}
	}
	last := time.Time{}
	return func(done, failed, total int) {
		if done < 0 {
			fmt.Fprint(f, "\r\x1b[K")
			return
		}
		if now := time.Now(); done == total || now.Sub(last) > 100*time.Millisecond {
			last = now
			fmt.Fprintf(f, "\r\x1b[Kremoving: %d/%d (%d failed)", done, total, failed)
		}
	}
}
