package datafold

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"strings"

	"github.com/datafold/datafold-go/api"
)

// Do sends a request for an endpoint the OpenAPI document does not describe,
// such as "GET /api/v1/lineage/bi/" on a client generated from a document
// that lacks it, with everything the generated methods have: the client's
// server, key and request editors, its transport (retries, the body limit,
// redirect rules, the debug log, the User-Agent), and [Check]'s errors.
// Prefer a generated method where the document has the operation: its
// parameters and response are typed, and the fake in datafoldtest checks
// them.
//
// path is relative to the client's server and starts with a single "/"; it
// may carry a query ("/api/v1/datadiffs?page=2") and is sent as written, so
// escape what needs escaping. Anything that could lead elsewhere (an
// absolute URL, "//host", a control character, a fragment) is refused
// before sending.
//
// in, unless nil, is sent as JSON with Content-Type application/json; a
// [json.RawMessage] is sent as it is. out, unless nil, must be a pointer: a
// 2xx body is decoded into it, and an empty one leaves it as it was.
//
// The error is nil for a 2xx answer; an [*APIError] for any other status;
// one wrapping [ErrMalformedBody] for a 2xx whose body does not decode into
// out; otherwise the transport's, after retries. Only idempotent methods
// are retried, as for every request of the client.
func Do(ctx context.Context, c *api.ClientWithResponses, method, path string, in, out any) error {
	var client *api.Client
	if c != nil {
		client, _ = c.ClientInterface.(*api.Client)
	}
	if client == nil {
		return errors.New("datafold: Do needs a client made by NewClient or api.NewClientWithResponses")
	}
	if why := pathFault(path); why != "" {
		return fmt.Errorf("datafold: Do: the path %s", why)
	}
	if out != nil {
		if v := reflect.ValueOf(out); v.Kind() != reflect.Pointer || v.IsNil() {
			return fmt.Errorf("datafold: Do: out is a %T, not a non-nil pointer", out)
		}
	}

	// Resolved as the generated methods resolve theirs: relative to the
	// server, keeping its path prefix. url.Parse's *url.Error quotes the
	// whole value, and a server or a path may hold a secret pasted in the
	// wrong place: only the reason is kept.
	server, err := url.Parse(client.Server)
	if err != nil {
		return fmt.Errorf("datafold: Do: the client's server: %w", errors.Unwrap(err))
	}
	u, err := server.Parse("." + path)
	if err != nil {
		return fmt.Errorf("datafold: Do: the path does not parse as a URL path: %w", errors.Unwrap(err))
	}
	if u.Scheme != server.Scheme || u.Host != server.Host {
		return errors.New("datafold: Do: the path leads away from the client's server")
	}

	var body io.Reader
	if in != nil {
		raw, ok := in.(json.RawMessage)
		if !ok {
			if raw, err = json.Marshal(in); err != nil {
				return fmt.Errorf("datafold: Do: encoding the request body: %w", err)
			}
		}
		body = bytes.NewReader(raw) // with GetBody, so a retry can send it again
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), body)
	if err != nil {
		return fmt.Errorf("datafold: Do: %w", err)
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for _, edit := range client.RequestEditors {
		if err := edit(ctx, req); err != nil {
			return err
		}
	}

	resp, err := client.Client.Do(req)
	if err != nil {
		return err
	}
	if err := CheckResponse(resp); err != nil {
		return err // read and closed
	}
	defer resp.Body.Close()
	// The client's transport has read the body already, up to the limit,
	// and says here why it cannot be used; for a client of your own, this
	// reads it as the generated methods do.
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return callError(err)
	}
	if out == nil || len(data) == 0 {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("%w: %s %s: the server answered %s with a body that does not decode into %T: %w",
			ErrMalformedBody, method, redactPath(req.URL, credential(req)), statusLine(resp.StatusCode), out, err)
	}
	return nil
}

// pathFault says what keeps path from being a path on the client's server,
// or "" when nothing does.
func pathFault(path string) string {
	switch {
	case !strings.HasPrefix(path, "/"):
		return "must start with /, relative to the client's server"
	case strings.HasPrefix(path, "//"):
		return "starts with //, which names another host"
	case strings.ContainsFunc(path, func(r rune) bool { return r < 0x20 || r == 0x7f }):
		return "holds a control character"
	case strings.Contains(path, "#"):
		return "holds a fragment (#), which is never sent"
	}
	return ""
}
