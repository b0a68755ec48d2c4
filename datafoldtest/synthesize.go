package datafoldtest

import (
	"fmt"
	"net/http"
	"sort"
	"strconv"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/datafold/datafold-go/internal/synth"
)

// synthesize answers an operation the fake has no behaviour for with its
// first success response, built from the response schema as Stoplight
// Prism's dynamic mode does, so a test can call any operation. A response
// without content (204) is sent empty; a non-JSON one as its example text.
func synthesize(w http.ResponseWriter, op *openapi3.Operation) {
	status, resp := successResponse(op)
	if resp == nil {
		w.WriteHeader(status)
		return
	}
	for name, hdr := range resp.Headers {
		if hdr.Value != nil && hdr.Value.Schema != nil {
			w.Header().Set(name, fmt.Sprint(synth.Value(hdr.Value.Schema, 0, synth.Response)))
		}
	}
	if len(resp.Content) == 0 {
		w.WriteHeader(status)
		return
	}
	if mt := resp.Content.Get("application/json"); mt != nil {
		writeJSON(w, status, synth.Value(mt.Schema, 0, synth.Response))
		return
	}
	types := make([]string, 0, len(resp.Content))
	for ct := range resp.Content {
		types = append(types, ct)
	}
	sort.Strings(types)
	w.Header().Set("Content-Type", types[0])
	w.WriteHeader(status)
	_, _ = w.Write([]byte("datafoldtest\n"))
}

// successResponse returns the lowest 2xx response the operation declares,
// or 200 with nil when it declares none.
func successResponse(op *openapi3.Operation) (int, *openapi3.Response) {
	best, bestResp := 0, (*openapi3.Response)(nil)
	for code, ref := range op.Responses.Map() {
		n, err := strconv.Atoi(code)
		if err != nil || n < 200 || n > 299 || ref.Value == nil {
			continue
		}
		if best == 0 || n < best {
			best, bestResp = n, ref.Value
		}
	}
	if best == 0 {
		return http.StatusOK, nil
	}
	return best, bestResp
}
