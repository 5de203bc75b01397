package main

import (
	"bufio"
	"context"
	"debug/elf"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	spellerv1 "github.com/spellwright/speller/proto/speller/v1"
)

// dockerfile is what TestDockerfile reads of the repository's Dockerfile.
type dockerfile struct {
	froms      []string // the image of each stage, in order
	runs       []string // RUN commands, in order
	users      []string // USER instructions of the last stage
	entrypoint []string
}

// parseDockerfile reads the instructions TestDockerfile checks (no line continuations are used in the file).
func parseDockerfile(path string) (dockerfile, error) {
	var d dockerfile
	f, err := os.Open(path)
	if err != nil {
		return d, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		instr, rest, _ := strings.Cut(line, " ")
		switch strings.ToUpper(instr) {
		case "FROM":
			d.froms = append(d.froms, strings.Fields(rest)[0])
			d.users = nil
		case "RUN":
			d.runs = append(d.runs, rest)
		case "USER":
			d.users = append(d.users, rest)
		case "ENTRYPOINT":
			if err := json.Unmarshal([]byte(rest), &d.entrypoint); err != nil {
				return d, fmt.Errorf("ENTRYPOINT %s: not an exec-form JSON array: %v", rest, err)
			}
		}
	}
	return d, sc.Err()
}

// TestDockerfile checks the container recipe without a Docker engine: two stages, the builder on the Go
// release of go.mod, an unprivileged user in the image; then it runs the Dockerfile's own build command on this
// machine (a static binary: the distroless base has no C library) and starts that binary with the image's
// entry point (its ports moved to loopback), which must serve the embedded model, over gRPC and HTTP.
func TestDockerfile(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	root := filepath.Join("..", "..")
	d, err := parseDockerfile(filepath.Join(root, "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	if len(d.froms) < 2 {
		t.Fatalf("stages %q: want a build stage and a runtime stage", d.froms)
	}
	gomod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	goVersion := regexp.MustCompile(`(?m)^go (\d+\.\d+)`).FindSubmatch(gomod)
	if goVersion == nil || !strings.HasPrefix(d.froms[0], "golang:"+string(goVersion[1])) {
		t.Errorf("build stage %q: want the golang image of go.mod's Go %s", d.froms[0], goVersion[1])
	}
	if len(d.users) == 0 || strings.HasPrefix(d.users[len(d.users)-1], "root") || strings.HasPrefix(d.users[len(d.users)-1], "0") {
		t.Errorf("runtime stage users %q: want an unprivileged user", d.users)
	}
	var build string
	for _, r := range d.runs {
		if strings.Contains(r, "go build") {
			build = r
		}
	}
	if build == "" || !strings.Contains(build, "CGO_ENABLED=0") || !strings.Contains(build, "-o /out/spelld") {
		t.Fatalf("no static build of /out/spelld among the RUN commands %q", d.runs)
	}
	if len(d.entrypoint) == 0 || !strings.HasSuffix(d.entrypoint[0], "/spelld") {
		t.Fatalf("ENTRYPOINT %q: want spelld", d.entrypoint)
	}

	// The build, as the Dockerfile runs it, with /out in a temporary directory.
	out := t.TempDir()
	cmd := exec.Command("sh", "-c", strings.ReplaceAll(build, "/out/", out+"/"))
	cmd.Dir = root
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", build, err, b)
	}
	bin := filepath.Join(out, "spelld")
	ef, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ef.Progs {
		if p.Type == elf.PT_INTERP {
			t.Errorf("%s is dynamically linked: the distroless static image has no loader", bin)
		}
	}
	ef.Close()
	if fi, err := os.Stat(bin); err == nil {
		t.Logf("the image's binary: %.1f MB", float64(fi.Size())/1e6)
	}

	// The entry point, on loopback ports.
	args := make([]string, 0, len(d.entrypoint)-1)
	for _, a := range d.entrypoint[1:] {
		args = append(args, regexp.MustCompile(`^0\.0\.0\.0:\d+$`).ReplaceAllString(a, "127.0.0.1:0"))
	}
	run, l, _ := startLogged(t, bin, args...)
	defer func() { run.Process.Kill(); run.Wait() }()
	admin := l.wait(t, "admin serving")["addr"].(string)
	httpAddr := l.wait(t, "http serving")["addr"].(string)
	grpcAddr := l.wait(t, "serving")["addr"].(string)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+admin+"/readyz", nil)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if ctx.Err() != nil {
			t.Fatalf("the entry point %q never became ready: %v\n%s", d.entrypoint, err, l.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	if got := postCorrect(t, httpAddr, "jewlery box"); got != "jewelry box" {
		t.Errorf("the entry point's HTTP port: correction %q, want %q", got, "jewelry box")
	}
	conn, err := grpc.NewClient(grpcAddr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	resp, err := spellerv1.NewSpellerServiceClient(conn).Correct(ctx, &spellerv1.CorrectRequest{Query: "jewlery box"})
	if err != nil || resp.GetCorrection() != "jewelry box" {
		t.Errorf("the entry point's gRPC port: %v, %v; want the correction %q", resp, err, "jewelry box")
	}
}
