// Runs an ONNX model with ONNX Runtime (npm onnxruntime-node, installed by
// utils/fetch-ort.sh) on .npy inputs and writes its outputs as .npy: the
// reference mpq's QDQ comparison measures against.
//
//   node utils/ort/run_onnx.js model.onnx --input x.npy [--input y.npy ...]
//        (-o out.npy | --output-dir DIR) [--no-optimize]
//
// Inputs are given in the order of the model's inputs. As with mpq-eval, an
// input whose first dimension is N where the model's is 1 holds N samples:
// the model runs once per sample (one intra-op thread, default graph
// optimizations, or none with --no-optimize) and the outputs are stacked
// along their first dimension.
// ONNX Runtime is looked up in $MPQ_ORT_CACHE, else ~/.cache/mpq/ort.
"use strict";
const fs = require("fs");
const os = require("os");
const path = require("path");

function die(message) {
  process.stderr.write(`run_onnx: error: ${message}\n`);
  process.exit(1);
}

const DTYPES = {
  "<f4": ["float32", Float32Array], "<f8": ["float64", Float64Array],
  "|u1": ["uint8", Uint8Array], "|i1": ["int8", Int8Array],
  "<i4": ["int32", Int32Array], "<i8": ["int64", BigInt64Array],
};

function readNpy(file) {
  const buf = fs.readFileSync(file);
  if (buf.toString("latin1", 0, 6) !== "\x93NUMPY") die(`${file}: not a .npy file`);
  const major = buf[6];
  const headerLen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const start = major === 1 ? 10 : 12;
  const header = buf.toString("latin1", start, start + headerLen);
  const descr = /'descr':\s*'([^']+)'/.exec(header)[1];
  if (/'fortran_order':\s*True/.test(header)) die(`${file}: Fortran order is not supported`);
  const shape = /'shape':\s*\(([^)]*)\)/.exec(header)[1].split(",")
    .map((d) => d.trim()).filter((d) => d.length).map(Number);
  if (!DTYPES[descr]) die(`${file}: unsupported dtype ${descr}`);
  const [type, Ctor] = DTYPES[descr];
  const offset = start + headerLen;
  const count = shape.reduce((a, b) => a * b, 1);
  const bytes = buf.subarray(offset, offset + count * Ctor.BYTES_PER_ELEMENT);
  const data = new Ctor(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
  return { type, data, shape };
}

function writeNpy(file, type, data, shape) {
  const descr = Object.keys(DTYPES).find((k) => DTYPES[k][0] === type);
  if (!descr) die(`cannot write an output of type ${type}`);
  const dims = shape.length === 1 ? `${shape[0]},` : shape.join(", ");
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${dims}), }`;
  header += " ".repeat(63 - ((10 + header.length) % 64)) + "\n";
  const head = Buffer.alloc(10);
  head.write("\x93NUMPY", 0, "latin1");
  head[6] = 1; head[7] = 0;
  head.writeUInt16LE(header.length, 8);
  const body = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const tmp = `${file}.part`;
  fs.writeFileSync(tmp, Buffer.concat([head, Buffer.from(header, "latin1"), body]));
  fs.renameSync(tmp, file);
}

async function main() {
  const args = process.argv.slice(2);
  let model = null, outFile = null, outDir = null, optimize = true;
  const inputs = [];
  for (let i = 0; i < args.length; ++i) {
    if (args[i] === "--input") inputs.push(args[++i]);
    else if (args[i] === "-o") outFile = args[++i];
    else if (args[i] === "--output-dir") outDir = args[++i];
    else if (args[i] === "--no-optimize") optimize = false;
    else if (!model && !args[i].startsWith("-")) model = args[i];
    else die(`unknown argument ${args[i]}`);
  }
  if (!model || (!outFile && !outDir)) die("usage: run_onnx.js model.onnx --input x.npy (-o y.npy | --output-dir DIR)");

  const cache = process.env.MPQ_ORT_CACHE || path.join(os.homedir(), ".cache", "mpq", "ort");
  let ort;
  try {
    ort = require(path.join(cache, "node_modules", "onnxruntime-node"));
  } catch (e) {
    die(`onnxruntime-node not found in ${cache}: run utils/fetch-ort.sh (${e.message})`);
  }
  const session = await ort.InferenceSession.create(model, {
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    graphOptimizationLevel: optimize ? "all" : "disabled",
  });
  if (inputs.length !== session.inputNames.length)
    die(`${model} takes ${session.inputNames.length} inputs, got ${inputs.length}`);
  if (outFile && session.outputNames.length !== 1)
    die(`-o needs a single-output model; ${model} has ${session.outputNames.length} outputs`);

  // Samples: the first dimension of every input, 1 for an unbatched one.
  const arrays = inputs.map(readNpy);
  const samples = Math.max(...arrays.map((a) => a.shape[0] || 1));
  const stacked = session.outputNames.map(() => ({ parts: [], shape: null, type: null }));
  for (let n = 0; n < samples; ++n) {
    const feeds = {};
    arrays.forEach((a, i) => {
      const batched = a.shape[0] === samples && samples > 1;
      const shape = batched ? [1, ...a.shape.slice(1)] : a.shape;
      const size = shape.reduce((x, y) => x * y, 1);
      const data = batched ? a.data.slice(n * size, (n + 1) * size) : a.data;
      feeds[session.inputNames[i]] = new ort.Tensor(a.type, data, shape);
    });
    const results = await session.run(feeds);
    session.outputNames.forEach((name, i) => {
      const t = results[name];
      stacked[i].parts.push(t.data);
      stacked[i].type = t.type;
      stacked[i].shape = t.dims.slice();
    });
  }
  stacked.forEach((s, i) => {
    const Ctor = s.parts[0].constructor;
    const total = s.parts.reduce((a, p) => a + p.length, 0);
    const data = new Ctor(total);
    let at = 0;
    for (const p of s.parts) { data.set(p, at); at += p.length; }
    const shape = s.shape.length ? [s.shape[0] * samples, ...s.shape.slice(1)] : [samples];
    const file = outFile || path.join(outDir, `output_${i}.npy`);
    if (outDir) fs.mkdirSync(outDir, { recursive: true });
    writeNpy(file, s.type, data, shape);
  });
}

main().catch((e) => die(e.message || String(e)));
