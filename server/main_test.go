// The command end to end: the test binary re-runs itself as the server (GRAFT_TEST_SERVER_DIR set),
// which must print its address, serve, and exit 0 after SIGTERM; a missing folder is an error.
package main

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestMain(m *testing.M) {
	if dir := os.Getenv("GRAFT_TEST_SERVER_DIR"); dir != "" {
		os.Args = []string{"server", "-addr", "127.0.0.1:0", "-dir", dir}
		main()
		return
	}
	os.Exit(m.Run())
}

func serverCommand(dir string) *exec.Cmd {
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), "GRAFT_TEST_SERVER_DIR="+dir)
	return cmd
}

func TestServeAndShutdown(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "index.html"), []byte("<p>hello"), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := serverCommand(dir)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()

	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("reading the address line: %v (stderr: %s)", err, stderr.String())
	}
	base := regexp.MustCompile(`http://127\.0\.0\.1:[0-9]+`).FindString(line)
	if base == "" {
		t.Fatalf("first line %q has no http://127.0.0.1:PORT", line)
	}
	resp, err := http.Get(base + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || string(body) != "<p>hello" {
		t.Errorf("GET /: %d %q", resp.StatusCode, body)
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("after SIGTERM: %v (stderr: %s)", err, stderr.String())
		}
	case <-time.After(shutdownGrace + 5*time.Second):
		t.Fatalf("still running %s after SIGTERM", shutdownGrace+5*time.Second)
	}
	if log := stderr.String(); !strings.Contains(log, `GET "/" 200`) || !strings.Contains(log, "shutting down") {
		t.Errorf("stderr lacks the access log line or the shutdown line:\n%s", log)
	}
}

func TestMissingDir(t *testing.T) {
	out, err := serverCommand(filepath.Join(t.TempDir(), "nope")).CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
		t.Errorf("missing folder: err %v, want exit status 1; output %s", err, out)
	}
	if !strings.Contains(string(out), "./build.sh serve") {
		t.Errorf("missing folder: output %q does not say how to build it", out)
	}
}
