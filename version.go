package datafold

import (
	"runtime/debug"
	"sync"
)

const modulePath = "github.com/datafold/datafold-go"

// releaseTag is set by the release build (make release) with
// -ldflags "-X github.com/datafold/datafold-go.releaseTag=vX.Y.Z", so a
// binary built from a tag names it even when the build has no VCS stamp
// (a -buildvcs=false build, or a source archive). `go install ...@vX.Y.Z`
// needs no flag: the module version is in the build info.
var releaseTag string

// Version returns the version of this module linked into the program, such
// as "v1.2.0", or "devel" when it is built from a working tree.
func Version() string { return version() }

var version = sync.OnceValue(func() string {
	if releaseTag != "" {
		return releaseTag
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "devel"
	}
	v := bi.Main.Version
	if bi.Main.Path != modulePath {
		v = ""
		for _, m := range bi.Deps {
			if m.Path == modulePath {
				if m.Replace != nil {
					m = m.Replace
				}
				v = m.Version
				break
			}
		}
	}
	if v == "" || v == "(devel)" {
		return "devel"
	}
	return v
})

// userAgent names the module and its version, so Datafold can tell this
// client's traffic apart and see which versions are still in use.
func userAgent() string { return "datafold-go/" + Version() }
