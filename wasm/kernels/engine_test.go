// Engines that run a kernel module for the equivalence tests: wazero in-process (SIMD128 only),
// and Node (V8, the engine that matters; SIMD128 and relaxed SIMD) through testdata/node_runner.mjs.
// Both expose the same small interface: write memory, call an export, read memory.
package kernels

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/graftml/graft/wasm/asm"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
)

// testPages is the linear memory given to the engines (4 MiB, more than any case uses).
const testPages = 64

type engine interface {
	write(addr uint32, b []byte) error
	read(addr, n uint32) ([]byte, error)
	call(fn string, args ...int32) error
}

// wazeroEngine runs a SIMD128 module in wazero.
type wazeroEngine struct {
	mem api.Memory
	mod api.Module
}

func newWazero(t testing.TB, wasm []byte) *wazeroEngine {
	t.Helper()
	ctx := context.Background()
	rt := wazero.NewRuntime(ctx)
	t.Cleanup(func() { rt.Close(ctx) })
	env, err := rt.InstantiateWithConfig(ctx, asm.MemoryExporter("memory", testPages), wazero.NewModuleConfig().WithName("env"))
	if err != nil {
		t.Fatalf("env: %v", err)
	}
	mod, err := rt.InstantiateWithConfig(ctx, wasm, wazero.NewModuleConfig().WithName("kernels"))
	if err != nil {
		t.Fatalf("instantiate kernels in wazero: %v", err)
	}
	return &wazeroEngine{mem: env.Memory(), mod: mod}
}

func (e *wazeroEngine) write(addr uint32, b []byte) error {
	if !e.mem.Write(addr, b) {
		return fmt.Errorf("write of %d bytes at %d out of range", len(b), addr)
	}
	return nil
}

func (e *wazeroEngine) read(addr, n uint32) ([]byte, error) {
	b, ok := e.mem.Read(addr, n)
	if !ok {
		return nil, fmt.Errorf("read of %d bytes at %d out of range", n, addr)
	}
	return append([]byte(nil), b...), nil
}

func (e *wazeroEngine) call(fn string, args ...int32) error {
	f := e.mod.ExportedFunction(fn)
	if f == nil {
		return fmt.Errorf("no export %s", fn)
	}
	params := make([]uint64, len(args))
	for i, a := range args {
		params[i] = api.EncodeI32(a)
	}
	_, err := f.Call(context.Background(), params...)
	return err
}

// nodeEngine runs a module in a Node child process.
type nodeEngine struct {
	in  io.WriteCloser
	out *bufio.Reader
}

// newNode starts Node on the module, or skips the test when node is not installed.
func newNode(t testing.TB, wasm []byte, relaxed bool) *nodeEngine {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node not on PATH: the V8 checks (and the only execution of the relaxed-SIMD module) are skipped")
	}
	path := filepath.Join(t.TempDir(), "module.wasm")
	if err := os.WriteFile(path, wasm, 0o644); err != nil {
		t.Fatal(err)
	}
	var args []string
	if relaxed {
		args = append(args, "--experimental-wasm-relaxed-simd")
	}
	args = append(args, filepath.Join("testdata", "node_runner.mjs"), path, fmt.Sprint(testPages))
	cmd := exec.Command(node, args...)
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { in.Close(); cmd.Wait() })
	e := &nodeEngine{in: in, out: bufio.NewReaderSize(out, 1<<20)}
	var ready struct {
		Ready []string
		Error string
	}
	if err := e.recv(&ready); err != nil || ready.Error != "" {
		t.Fatalf("node: %v %s", err, ready.Error)
	}
	return e
}

func (e *nodeEngine) recv(v any) error {
	line, err := e.out.ReadBytes('\n')
	if err != nil {
		return fmt.Errorf("node: %v", err)
	}
	return json.Unmarshal(line, v)
}

func (e *nodeEngine) do(cmd map[string]any) (string, error) {
	b, err := json.Marshal(cmd)
	if err != nil {
		return "", err
	}
	if _, err := e.in.Write(append(b, '\n')); err != nil {
		return "", fmt.Errorf("node: %v", err)
	}
	var reply struct{ Data, Error string }
	if err := e.recv(&reply); err != nil {
		return "", err
	}
	if reply.Error != "" {
		return "", fmt.Errorf("node: %s", reply.Error)
	}
	return reply.Data, nil
}

func (e *nodeEngine) write(addr uint32, b []byte) error {
	_, err := e.do(map[string]any{"op": "write", "addr": addr, "data": base64.StdEncoding.EncodeToString(b)})
	return err
}

func (e *nodeEngine) read(addr, n uint32) ([]byte, error) {
	data, err := e.do(map[string]any{"op": "read", "addr": addr, "len": n})
	if err != nil {
		return nil, err
	}
	return base64.StdEncoding.DecodeString(data)
}

func (e *nodeEngine) call(fn string, args ...int32) error {
	_, err := e.do(map[string]any{"op": "call", "fn": fn, "args": args})
	return err
}
