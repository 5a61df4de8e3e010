// Meshes for the example remote adapter: read the triangles of an STL (ascii or binary) or OBJ
// file and describe them: triangle count, bounding box, surface area, whether the mesh is closed.

import { UnreadableInputError } from './pointcloud.mjs';

/** The triangles of an STL or OBJ mesh, each as three [x, y, z] vertices. */
export function readMesh(buffer, mediaType = '') {
  // A binary STL has an 80-byte header (which may also start with "solid"), a count, and 50 bytes a triangle.
  const binaryCount = buffer.length >= 84 ? buffer.readUInt32LE(80) : -1;
  if (buffer.length === 84 + 50 * binaryCount) return readBinaryStl(buffer, binaryCount);
  const start = buffer.subarray(0, 4096).toString('latin1');
  if (start.startsWith('solid')) return readAsciiStl(buffer.toString('latin1'));
  if (mediaType === 'model/obj' || /^v\s+\S+\s+\S+\s+\S+/m.test(start))
    return readObj(buffer.toString('utf8'));
  throw new UnreadableInputError('not an STL or OBJ mesh');
}

function readBinaryStl(buffer, count) {
  const triangles = [];
  for (let t = 0; t < count; t++) {
    const at = 84 + t * 50 + 12; // skip the normal
    triangles.push([0, 1, 2].map((v) => [0, 1, 2].map((k) => buffer.readFloatLE(at + v * 12 + k * 4))));
  }
  return triangles;
}

function readAsciiStl(text) {
  const vertices = [...text.matchAll(/^\s*vertex\s+(\S+)\s+(\S+)\s+(\S+)/gm)].map((m) =>
    m.slice(1, 4).map(Number),
  );
  const facets = (text.match(/^\s*facet\b/gm) ?? []).length;
  if (vertices.length !== facets * 3 || vertices.flat().some((v) => !Number.isFinite(v))) {
    throw new UnreadableInputError(`STL: ${facets} facets but ${vertices.length} readable vertices`);
  }
  const triangles = [];
  for (let i = 0; i < vertices.length; i += 3) triangles.push(vertices.slice(i, i + 3));
  return triangles;
}

function readObj(text) {
  const vertices = [];
  const triangles = [];
  for (const line of text.split('\n')) {
    const [kind, ...rest] = line.trim().split(/\s+/);
    if (kind === 'v') vertices.push(rest.slice(0, 3).map(Number));
    if (kind !== 'f') continue;
    // "f 1/1/1 2/2/2 3/3/3 4/4/4": 1-based (negative: from the end) indices; polygons become fans.
    const corners = rest.map((ref) => {
      const index = Number(ref.split('/')[0]);
      const vertex = vertices[index < 0 ? vertices.length + index : index - 1];
      if (!vertex) throw new UnreadableInputError(`OBJ: face refers to missing vertex ${ref}`);
      return vertex;
    });
    for (let i = 1; i + 1 < corners.length; i++) triangles.push([corners[0], corners[i], corners[i + 1]]);
  }
  return triangles;
}

/** Triangle count, bounding box, surface area, and (for a closed mesh) the enclosed volume. */
export function describeMesh(triangles) {
  if (triangles.length === 0) throw new UnreadableInputError('the mesh has no triangles');
  const min = [Infinity, Infinity, Infinity];
  const max = [-Infinity, -Infinity, -Infinity];
  let area = 0;
  let signedVolume = 0;
  const edges = new Map(); // edge → how many triangles share it; a closed mesh shares each by two
  const key = (p) => p.map((v) => v.toPrecision(7)).join(',');
  for (const [a, b, c] of triangles) {
    for (const p of [a, b, c]) {
      for (let k = 0; k < 3; k++) {
        min[k] = Math.min(min[k], p[k]);
        max[k] = Math.max(max[k], p[k]);
      }
    }
    const cross = crossProduct(minus(b, a), minus(c, a));
    area += Math.hypot(...cross) / 2;
    signedVolume += dot(a, crossProduct(b, c)) / 6;
    for (const [p, q] of [
      [a, b],
      [b, c],
      [c, a],
    ]) {
      const edge = [key(p), key(q)].sort().join('|');
      edges.set(edge, (edges.get(edge) ?? 0) + 1);
    }
  }
  const closed = [...edges.values()].every((n) => n === 2);
  const round = (v) => Number(v.toPrecision(6)) + 0;
  return {
    triangles: triangles.length,
    boundingBox: { min: min.map(round), max: max.map(round), size: max.map((v, k) => round(v - min[k])) },
    surfaceArea: round(area),
    closed,
    ...(closed ? { volume: round(Math.abs(signedVolume)) } : {}),
  };
}

/** One line for people. */
export function describeMeshText(d) {
  const volume = d.closed ? `closed, volume ${d.volume}` : 'open (not watertight)';
  return (
    `${d.triangles} triangles; bounding box ${d.boundingBox.size.join(' × ')} ` +
    `from (${d.boundingBox.min.join(', ')}) to (${d.boundingBox.max.join(', ')}); ` +
    `surface area ${d.surfaceArea}; ${volume}`
  );
}

const minus = (p, q) => [p[0] - q[0], p[1] - q[1], p[2] - q[2]];
const dot = (p, q) => p[0] * q[0] + p[1] * q[1] + p[2] * q[2];
const crossProduct = (p, q) => [
  p[1] * q[2] - p[2] * q[1],
  p[2] * q[0] - p[0] * q[2],
  p[0] * q[1] - p[1] * q[0],
];
