//! The gate's path from a camera frame to a QR module grid (rqrr then reads the grid).
//!
//! rqrr finds codes by labelling connected regions and then refines its perspective by scoring
//! every module of the grid again and again; on a 640×480 frame that refinement is about half its
//! time. A phone held to a gate shows a flat code, which a cheaper method reads:
//!
//! 1. **threshold**: the frame is cut into 8×8 blocks; each block's threshold is the mean of the
//!    5×5 blocks around it, so shade and glare move the threshold with them (`Bits::threshold`);
//! 2. **finder patterns**: every other row is scanned for runs dark, light, dark, light, dark in
//!    the proportions 1:1:3:1:1, each hit checked again along its column and its row
//!    (`finders`);
//! 3. **geometry**: three finder patterns that form a right angle give the code's orientation,
//!    module size and version; the bottom-right alignment pattern, found by matching its rings
//!    near where the three predict it, gives the fourth corner of a perspective transform;
//! 4. **sampling**: each module's centre is read from the thresholded frame, and the grid goes to
//!    rqrr, which reads the format, corrects errors and decodes the data.
//!
//! What this path cannot read at full resolution (a noisy picture, a code shown very large)
//! [`super::decode`] reads again at half resolution. rqrr's own detector is not used (it can
//! panic on degenerate pictures: see `decode.rs`).

/// The first code read in the frame, or `None` ([`super::decode`] then tries the picture at
/// half resolution).
pub fn read(luma: &[u8], width: usize, height: usize) -> Option<String> {
    let bits = Bits::threshold(luma, width, height)?;
    let found = finders(&bits);
    for triple in triples(&found).into_iter().take(MAX_TRIPLES) {
        for dim in triple.dimensions() {
            let Some(grid) = sample(&bits, &triple, dim) else {
                continue;
            };
            if let Ok((_, text)) = rqrr::Grid::new(grid).decode() {
                return Some(text);
            }
        }
    }
    None
}

/// How many finder triples are tried, best first, before giving up to rqrr.
const MAX_TRIPLES: usize = 4;

/// A thresholded frame: `true` is dark.
struct Bits {
    dark: Vec<bool>,
    width: usize,
    height: usize,
}

const BLOCK: usize = 8;
/// Blocks whose darkest and lightest pixels differ by no more than this are taken as all one
/// shade (mostly light: a quiet zone, a blank wall).
const MIN_RANGE: u8 = 24;

impl Bits {
    fn threshold(luma: &[u8], width: usize, height: usize) -> Option<Self> {
        if width < 5 * BLOCK || height < 5 * BLOCK || luma.len() != width * height {
            return None;
        }
        let (bw, bh) = (width.div_ceil(BLOCK), height.div_ceil(BLOCK));
        // Each block's level: the mean of its pixels, or for a flat block (a quiet zone, a
        // finder pattern's centre, a blank wall) `None` for now.
        let mut level: Vec<Option<u32>> = Vec::with_capacity(bw * bh);
        let mut flat_min = Vec::with_capacity(bw * bh);
        for by in 0..bh {
            // Blocks at the right and bottom edges are moved inwards to stay whole.
            let y0 = (by * BLOCK).min(height - BLOCK);
            for bx in 0..bw {
                let x0 = (bx * BLOCK).min(width - BLOCK);
                let (mut sum, mut min, mut max) = (0u32, u8::MAX, 0u8);
                for row in luma[y0 * width..].chunks(width).take(BLOCK) {
                    for &v in &row[x0..x0 + BLOCK] {
                        sum += u32::from(v);
                        min = min.min(v);
                        max = max.max(v);
                    }
                }
                level.push((max - min > MIN_RANGE).then_some(sum / (BLOCK * BLOCK) as u32));
                flat_min.push(min);
            }
        }
        // A flat block takes the level of the blocks around it (those already settled, and the
        // unsettled ones that are not flat), so a faint code's quiet zone and finder centres
        // are thresholded with the code; with nothing around, half its shade (all light).
        let mut settled = vec![0u32; bw * bh];
        for by in 0..bh {
            for bx in 0..bw {
                let i = by * bw + bx;
                settled[i] = match level[i] {
                    Some(mean) => mean,
                    None => {
                        let (mut sum, mut n) = (0, 0);
                        for (dx, dy) in [
                            (-1, -1),
                            (0, -1),
                            (1, -1),
                            (-1, 0),
                            (1, 0),
                            (-1, 1),
                            (0, 1),
                            (1, 1),
                        ] {
                            let (x, y) = (bx as isize + dx, by as isize + dy);
                            if x < 0 || y < 0 || x as usize >= bw || y as usize >= bh {
                                continue;
                            }
                            let j = y as usize * bw + x as usize;
                            let v = if j < i { Some(settled[j]) } else { level[j] };
                            if let Some(v) = v {
                                sum += v;
                                n += 1;
                            }
                        }
                        sum.checked_div(n).unwrap_or(u32::from(flat_min[i]) / 2)
                    }
                };
            }
        }
        let level = settled;
        let mut dark = vec![false; width * height];
        for by in 0..bh {
            let y0 = (by * BLOCK).min(height - BLOCK);
            let cy = by.clamp(2, bh - 3);
            for bx in 0..bw {
                let x0 = (bx * BLOCK).min(width - BLOCK);
                let cx = bx.clamp(2, bw - 3);
                let mut sum = 0;
                for row in level[(cy - 2) * bw..].chunks(bw).take(5) {
                    sum += row[cx - 2..=cx + 2].iter().sum::<u32>();
                }
                let t = sum / 25;
                for y in y0..y0 + BLOCK {
                    let (src, dst) = (&luma[y * width..], &mut dark[y * width..]);
                    for x in x0..x0 + BLOCK {
                        dst[x] = u32::from(src[x]) <= t;
                    }
                }
            }
        }
        Some(Self {
            dark,
            width,
            height,
        })
    }

    fn at(&self, x: usize, y: usize) -> bool {
        self.dark[y * self.width + x]
    }

    /// The pixel under a point, or `None` outside the frame.
    fn at_point(&self, p: Pt) -> Option<bool> {
        let (x, y) = (p.x.floor(), p.y.floor());
        if x < 0.0 || y < 0.0 || x >= self.width as f64 || y >= self.height as f64 {
            return None;
        }
        Some(self.at(x as usize, y as usize))
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
struct Pt {
    x: f64,
    y: f64,
}

impl Pt {
    fn dist(self, o: Pt) -> f64 {
        ((self.x - o.x).powi(2) + (self.y - o.y).powi(2)).sqrt()
    }
}

/// A finder pattern's centre, the size of one module there, and how many scan lines hit it
/// (two for a hit confirmed along the diagonal as well).
#[derive(Clone, Copy, Debug)]
struct Finder {
    at: Pt,
    module: f64,
    hits: u32,
}

/// Do five run lengths (dark, light, dark, light, dark) stand 1:1:3:1:1?
fn finder_ratio(runs: &[usize; 5]) -> bool {
    let total: usize = runs.iter().sum();
    if total < 7 {
        return false;
    }
    let module = total as f64 / 7.0;
    let slack = module * 0.7;
    runs.iter()
        .zip([1.0, 1.0, 3.0, 1.0, 1.0])
        .all(|(&r, w)| (r as f64 - w * module).abs() < w * slack)
}

/// The finder patterns in the frame, most often hit first.
fn finders(bits: &Bits) -> Vec<Finder> {
    let mut found: Vec<Finder> = Vec::new();
    let mut runs: Vec<(usize, usize)> = Vec::with_capacity(bits.width);
    for y in (0..bits.height).step_by(2) {
        // Dark runs of the row as (start, end); the light runs lie between them.
        runs.clear();
        let row = &bits.dark[y * bits.width..(y + 1) * bits.width];
        let mut x = 0;
        while x < row.len() {
            if row[x] {
                let start = x;
                while x < row.len() && row[x] {
                    x += 1;
                }
                runs.push((start, x));
            } else {
                x += 1;
            }
        }
        for w in runs.windows(3) {
            let [(a0, a1), (b0, b1), (c0, c1)] = [w[0], w[1], w[2]];
            let lengths = [a1 - a0, b0 - a1, b1 - b0, c0 - b1, c1 - c0];
            if !finder_ratio(&lengths) {
                continue;
            }
            let total = c1 - a0;
            let cx = (b0 + b1) / 2;
            let Some((v_off, v_total)) = cross_check(bits, (cx, y), (0, 1), total) else {
                continue;
            };
            if v_total.abs_diff(total) * 5 >= 2 * total {
                continue;
            }
            let cy = (y as f64 + v_off).floor() as usize;
            let Some((h_off, h_total)) = cross_check(bits, (cx, cy), (1, 0), total) else {
                continue;
            };
            let centre = Pt {
                x: cx as f64 + h_off,
                y: y as f64 + v_off,
            };
            // Along a diagonal too: look-alikes in the data seldom pass three ways, but a real
            // pattern's corners blur, so a miss there only counts for less.
            let cxr = centre.x.floor() as usize;
            let weight = if cross_check(bits, (cxr, cy), (1, 1), total).is_some() {
                2
            } else {
                1
            };
            let module = (h_total + v_total) as f64 / 14.0;
            match found
                .iter_mut()
                .find(|f| f.at.dist(centre) <= f.module.max(module) * 1.5)
            {
                Some(f) => {
                    let (n, w) = (f64::from(f.hits), f64::from(weight));
                    f.at = Pt {
                        x: (f.at.x * n + centre.x * w) / (n + w),
                        y: (f.at.y * n + centre.y * w) / (n + w),
                    };
                    f.module = (f.module * n + module * w) / (n + w);
                    f.hits += weight;
                }
                None => found.push(Finder {
                    at: centre,
                    module,
                    hits: weight,
                }),
            }
        }
    }
    insertion_sort(&mut found, |a, b| a.hits > b.hits);
    found
}

/// From a pixel in a finder pattern's dark centre, the 1:1:3:1:1 runs along the line through it
/// in direction `(dx, dy)` (each −1, 0 or 1): the centre's offset from `(x, y)` along that line,
/// in steps, and the runs' total length in steps, or `None` if they are not a finder pattern's.
fn cross_check(
    bits: &Bits,
    (x, y): (usize, usize),
    (dx, dy): (isize, isize),
    expect: usize,
) -> Option<(f64, usize)> {
    if y >= bits.height || x >= bits.width || !bits.at(x, y) {
        return None;
    }
    let px = |k: isize| {
        let (px, py) = (x as isize + k * dx, y as isize + k * dy);
        px >= 0
            && py >= 0
            && (px as usize) < bits.width
            && (py as usize) < bits.height
            && bits.at(px as usize, py as usize)
    };
    let inside = |k: isize| {
        let (px, py) = (x as isize + k * dx, y as isize + k * dy);
        px >= 0 && py >= 0 && (px as usize) < bits.width && (py as usize) < bits.height
    };
    let limit = expect * 2;
    // Each way from (x, y): the rest of the centre, then light, then dark.
    let mut counts = [[0usize; 3]; 2];
    for (way, step) in [(0, -1isize), (1, 1)] {
        let mut k = if way == 0 { -1 } else { 0 };
        for (n, want_dark) in [(0, true), (1, false), (2, true)] {
            while inside(k) && px(k) == want_dark && counts[way][n] < limit {
                counts[way][n] += 1;
                k += step;
            }
            if counts[way][n] == 0 && n != 0 {
                return None;
            }
        }
    }
    let [back, fwd] = counts;
    let runs = [back[2], back[1], back[0] + fwd[0], fwd[1], fwd[2]];
    if !finder_ratio(&runs) {
        return None;
    }
    let centre = (fwd[0] as f64 - back[0] as f64) / 2.0;
    Some((centre, runs.iter().sum()))
}

/// Three finder patterns as a code's top-left, top-right and bottom-left corners.
#[derive(Clone, Copy, Debug)]
struct Triple {
    tl: Pt,
    tr: Pt,
    bl: Pt,
    module: f64,
    /// How far from a square's corner the three stand (0 = exactly).
    skew: f64,
    /// Scan lines through the three.
    hits: u32,
    /// How much larger a module is at the bottom-right corner than on average: under
    /// perspective the near corner is larger (from the three finders' own module sizes).
    near_scale: f64,
}

impl Triple {
    /// Likely side lengths in modules (4k + 1, 21..=177), nearest the measured one first.
    fn dimensions(&self) -> Vec<usize> {
        let span = (self.tl.dist(self.tr) + self.tl.dist(self.bl)) / 2.0 / self.module + 7.0;
        let near = ((span - 1.0) / 4.0 + 0.5).floor() as i64 * 4 + 1;
        let second = if span > near as f64 {
            near + 4
        } else {
            near - 4
        };
        [near, second]
            .into_iter()
            .filter(|d| (21..=177).contains(d))
            .map(|d| d as usize)
            .collect()
    }
}

/// Triples of finder patterns that could be one code's, best first.
fn triples(found: &[Finder]) -> Vec<Triple> {
    let pool = &found[..found.len().min(6)];
    let mut out = Vec::new();
    for i in 0..pool.len() {
        for j in i + 1..pool.len() {
            for k in j + 1..pool.len() {
                let fs = [pool[i], pool[j], pool[k]];
                let (lo, hi) = fs.iter().fold((f64::MAX, 0f64), |(lo, hi), f| {
                    (lo.min(f.module), hi.max(f.module))
                });
                if hi > lo * 1.5 {
                    continue;
                }
                // The corner is opposite the longest side.
                let side = |a: usize, b: usize| fs[a].at.dist(fs[b].at);
                let corner = [side(1, 2), side(0, 2), side(0, 1)]
                    .iter()
                    .enumerate()
                    .max_by(|a, b| a.1.total_cmp(b.1))
                    .map(|(n, _)| n)
                    .unwrap_or(0);
                let (mut r, mut l) = ((corner + 1) % 3, (corner + 2) % 3);
                let turned = |p: Pt, q: Pt| {
                    let o = fs[corner].at;
                    (p.x - o.x) * (q.y - o.y) - (p.y - o.y) * (q.x - o.x)
                };
                // With y pointing down, top-right × bottom-left is positive.
                if turned(fs[r].at, fs[l].at) < 0.0 {
                    std::mem::swap(&mut r, &mut l);
                }
                let [ftl, ftr, fbl] = [fs[corner], fs[r], fs[l]];
                let (tl, tr, bl) = (ftl.at, ftr.at, fbl.at);
                let (ax, ay, bx, by) = (tr.x - tl.x, tr.y - tl.y, bl.x - tl.x, bl.y - tl.y);
                let (a, b) = (tl.dist(tr), tl.dist(bl));
                // Runs were measured along rows and columns: across a code turned by θ they
                // are longer by 1 / max(|cos θ|, |sin θ|).
                let turn = (ax.abs().max(ay.abs())) / a;
                let mean = fs.iter().map(|f| f.module).sum::<f64>() / 3.0;
                let module = mean * turn;
                let near_scale = ((ftr.module + fbl.module - ftl.module) / mean).clamp(0.7, 1.5);
                if a < 10.0 * module || b < 10.0 * module {
                    continue;
                }
                let cos = ((ax * bx + ay * by) / (a * b)).abs();
                let skew = cos + (a / b).max(b / a) - 1.0;
                if skew < 0.5 {
                    out.push(Triple {
                        tl,
                        tr,
                        bl,
                        module,
                        skew,
                        hits: fs.iter().map(|f| f.hits).sum(),
                        near_scale,
                    });
                }
            }
        }
    }
    // The code's own finder patterns are its largest: most scan lines cross them.
    insertion_sort(&mut out, |a, b| {
        a.hits > b.hits || (a.hits == b.hits && a.skew < b.skew)
    });
    out
}

/// Sorts a short list so that `before(a, b)` holds for no b before a (stable). A few dozen
/// entries at most: the standard library's sorts would add kilobytes to the web package.
fn insertion_sort<T: Copy>(v: &mut [T], before: impl Fn(&T, &T) -> bool) {
    for i in 1..v.len() {
        let x = v[i];
        let mut j = i;
        while j > 0 && before(&x, &v[j - 1]) {
            v[j] = v[j - 1];
            j -= 1;
        }
        v[j] = x;
    }
}

/// A plane projective transform from module coordinates to pixels.
struct Homography([f64; 8]);

impl Homography {
    /// The transform taking each `from` point to its `to` point (four pairs), or `None` when
    /// three of them are in line.
    fn fit(from: [Pt; 4], to: [Pt; 4]) -> Option<Self> {
        // x = (a u + b v + c) / (g u + h v + 1), y = (d u + e v + f) / (g u + h v + 1)
        let mut m = [[0f64; 9]; 8];
        for (n, (p, q)) in from.iter().zip(&to).enumerate() {
            m[2 * n] = [p.x, p.y, 1.0, 0.0, 0.0, 0.0, -p.x * q.x, -p.y * q.x, q.x];
            m[2 * n + 1] = [0.0, 0.0, 0.0, p.x, p.y, 1.0, -p.x * q.y, -p.y * q.y, q.y];
        }
        for col in 0..8 {
            let pivot = (col..8).max_by(|&a, &b| m[a][col].abs().total_cmp(&m[b][col].abs()))?;
            if m[pivot][col].abs() < 1e-9 {
                return None;
            }
            m.swap(col, pivot);
            let pivot_row = m[col];
            for (r, row) in m.iter_mut().enumerate() {
                if r != col {
                    let f = row[col] / pivot_row[col];
                    for (v, p) in row[col..].iter_mut().zip(&pivot_row[col..]) {
                        *v -= f * p;
                    }
                }
            }
        }
        let mut h = [0f64; 8];
        for (n, v) in h.iter_mut().enumerate() {
            *v = m[n][8] / m[n][n];
        }
        Some(Self(h))
    }

    fn map(&self, u: f64, v: f64) -> Pt {
        let [a, b, c, d, e, f, g, h] = self.0;
        let w = g * u + h * v + 1.0;
        Pt {
            x: (a * u + b * v + c) / w,
            y: (d * u + e * v + f) / w,
        }
    }
}

/// The code's modules read from the frame, for a side of `dim` modules.
fn sample(bits: &Bits, t: &Triple, dim: usize) -> Option<rqrr::SimpleGrid> {
    let d = dim as f64;
    let (near, far) = (3.5, d - 3.5);
    // Where the three finders put the fourth corner if the code were a parallelogram.
    let affine = |u: f64, v: f64| {
        let (s, r) = ((u - near) / (far - near), (v - near) / (far - near));
        Pt {
            x: t.tl.x + s * (t.tr.x - t.tl.x) + r * (t.bl.x - t.tl.x),
            y: t.tl.y + s * (t.tr.y - t.tl.y) + r * (t.bl.y - t.tl.y),
        }
    };
    let from = [
        Pt { x: near, y: near },
        Pt { x: far, y: near },
        Pt { x: near, y: far },
    ];
    let corner = if dim > 21 {
        // Version 2 and up: the bottom-right alignment pattern's centre, 6.5 modules in.
        let a = d - 6.5;
        let guess = affine(a, a);
        // Perspective moves it away from where a parallelogram puts it: look further out
        // when it is not near, asking for a perfect match where look-alikes are likelier.
        let found = [(4.0, 23), (8.0, 25), (16.0, 25)]
            .into_iter()
            .find_map(|(reach, min_score)| alignment(bits, t, dim, guess, reach, min_score));
        (Pt { x: a, y: a }, found.unwrap_or(guess))
    } else {
        (Pt { x: far, y: far }, affine(far, far))
    };
    let h = Homography::fit(
        [from[0], from[1], from[2], corner.0],
        [t.tl, t.tr, t.bl, corner.1],
    )?;
    let mut cells = vec![false; dim * dim];
    for y in 0..dim {
        for x in 0..dim {
            cells[y * dim + x] = bits.at_point(h.map(x as f64 + 0.5, y as f64 + 0.5))?;
        }
    }
    Some(rqrr::SimpleGrid::from_func(dim, |x, y| cells[y * dim + x]))
}

/// The bottom-right alignment pattern's centre near `guess`: the point within `reach` modules
/// where a dark centre module, a light ring and a dark ring (25 points in the code's own axes)
/// match best, if at least `min_score` of them match.
fn alignment(
    bits: &Bits,
    t: &Triple,
    dim: usize,
    guess: Pt,
    reach: f64,
    min_score: u32,
) -> Option<Pt> {
    let span = (dim - 7) as f64;
    // One module along the code's rows and columns, in pixels, at the bottom-right corner.
    let scale = t.near_scale / span;
    let (ux, uy) = ((t.tr.x - t.tl.x) * scale, (t.tr.y - t.tl.y) * scale);
    let (vx, vy) = ((t.bl.x - t.tl.x) * scale, (t.bl.y - t.tl.y) * scale);
    let mut probes: Vec<(f64, f64, bool)> = Vec::with_capacity(25);
    for j in -2i32..=2 {
        for i in -2i32..=2 {
            let ring = i.abs().max(j.abs());
            probes.push((
                f64::from(i) * ux + f64::from(j) * vx,
                f64::from(i) * uy + f64::from(j) * vy,
                ring != 1,
            ));
        }
    }
    // Never more than 96 pixels each way: a close-up code is then searched over a fraction of
    // `reach` modules, which its small perspective error needs anyway.
    let reach = (reach * t.module).ceil().min(96.0) as i64;
    let (gx, gy) = (
        (guess.x + 0.5).floor() as i64,
        (guess.y + 0.5).floor() as i64,
    );
    let (w, h) = (bits.width as i64, bits.height as i64);
    let mut best = 0;
    let mut hits: Vec<Pt> = Vec::new();
    for y in (gy - reach).max(0)..=(gy + reach).min(h - 1) {
        for x in (gx - reach).max(0)..=(gx + reach).min(w - 1) {
            let c = Pt {
                x: x as f64 + 0.5,
                y: y as f64 + 0.5,
            };
            // Stop counting once this point cannot reach the best (or the minimum) score.
            let allowed = 25 - best.max(min_score);
            let (mut score, mut misses) = (0, 0);
            for &(dx, dy, dark) in &probes {
                if bits.at_point(Pt {
                    x: c.x + dx,
                    y: c.y + dy,
                }) == Some(dark)
                {
                    score += 1;
                } else {
                    misses += 1;
                    if misses > allowed {
                        break;
                    }
                }
            }
            if misses > allowed {
                continue;
            }
            if score > best {
                best = score;
                hits.clear();
            }
            if score == best {
                hits.push(c);
            }
        }
    }
    if best < min_score {
        return None;
    }
    // The best score covers the centre module's pixels (and maybe look-alikes elsewhere): the
    // centre is the mean of those nearest the guess.
    let nearest = *hits
        .iter()
        .min_by(|a, b| a.dist(guess).total_cmp(&b.dist(guess)))?;
    let close: Vec<&Pt> = hits
        .iter()
        .filter(|p| p.dist(nearest) <= t.module)
        .collect();
    let n = close.len() as f64;
    Some(Pt {
        x: close.iter().map(|p| p.x).sum::<f64>() / n,
        y: close.iter().map(|p| p.y).sum::<f64>() / n,
    })
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;
    use crate::render::QrMatrix;

    fn code_text() -> String {
        "HNSSC1:".to_string() + &"0123456789ABCDEFGHIJ $%*+-./:".repeat(10)[..288]
    }

    /// A 640×480 frame with the code drawn through `place` (frame pixel → module coordinates,
    /// quiet zone included), bilinear like a camera's optics.
    fn frame(text: &str, place: impl Fn(f64, f64) -> (f64, f64)) -> Vec<u8> {
        let m = QrMatrix::encode(text).unwrap();
        let (code, side) = m.to_luma(1);
        let (w, h) = (640, 480);
        let mut px = vec![255u8; w * h];
        for y in 0..h {
            for x in 0..w {
                // Average 4×4 subsamples: edges come out grey, as through a lens.
                let mut sum = 0u32;
                for sy in 0..4 {
                    for sx in 0..4 {
                        let (su, sv) = place(
                            x as f64 + (f64::from(sx) + 0.5) / 4.0,
                            y as f64 + (f64::from(sy) + 0.5) / 4.0,
                        );
                        let (iu, iv) = (su.floor(), sv.floor());
                        sum += if iu >= 0.0 && iv >= 0.0 && iu < side as f64 && iv < side as f64 {
                            u32::from(code[iv as usize * side + iu as usize])
                        } else {
                            255
                        };
                    }
                }
                px[y * w + x] = (sum / 16) as u8;
            }
        }
        px
    }

    #[test]
    fn an_upright_code_reads_at_7_to_2_5_pixels_a_module() {
        let text = code_text();
        for scale in [7.0, 5.0, 3.0, 2.5] {
            let px = frame(&text, |x, y| ((x - 40.0) / scale, (y - 10.0) / scale));
            assert_eq!(
                read(&px, 640, 480),
                Some(text.clone()),
                "{scale} px a module"
            );
        }
    }

    #[test]
    fn rotated_codes_read_at_any_angle() {
        let text = code_text();
        for deg in [0.0f64, 20.0, 45.0, 90.0, 135.0, 180.0, 250.0, 333.0] {
            let (s, c) = deg.to_radians().sin_cos();
            let px = frame(&text, |x, y| {
                let (dx, dy) = (x - 320.0, y - 240.0);
                // Inverse rotation about the frame's centre, 4 px a module, code centred.
                let (u, v) = (c * dx + s * dy, -s * dx + c * dy);
                (u / 4.0 + 32.5, v / 4.0 + 32.5)
            });
            assert_eq!(read(&px, 640, 480), Some(text.clone()), "{deg}°");
        }
    }

    /// A front camera's mirror image: the sampled grid comes out transposed, which rqrr reads.
    #[test]
    fn a_mirrored_code_reads() {
        let text = code_text();
        let px = frame(&text, |x, y| ((y - 20.0) / 5.0, (x - 100.0) / 5.0));
        assert_eq!(read(&px, 640, 480), Some(text));
    }

    #[test]
    fn a_code_seen_at_an_angle_reads() {
        // A phone tilted away at the top: a true perspective, the top edge about 30% narrower
        // than the bottom one.
        let text = code_text();
        let px = frame(&text, |x, y| {
            let w = 0.7 + 0.3 * y / 480.0;
            ((x - 320.0) / (5.0 * w) + 32.5, (y - 10.0) / (5.0 * w))
        });
        assert_eq!(read(&px, 640, 480), Some(text));
    }

    #[test]
    fn shade_across_the_code_does_not_stop_it() {
        let text = code_text();
        let mut px = frame(&text, |x, y| ((x - 60.0) / 5.0, (y - 20.0) / 5.0));
        for (i, p) in px.iter_mut().enumerate() {
            let (x, y) = ((i % 640) as f64, (i / 640) as f64);
            let shade = 0.45 + 0.55 * (x / 640.0);
            let glare = 120.0 * (-((x - 400.0).powi(2) + (y - 170.0).powi(2)) / 8100.0).exp();
            *p = (f64::from(*p) * shade + glare).min(255.0) as u8;
        }
        assert_eq!(read(&px, 640, 480), Some(text));
    }

    /// Dark 110 on light 150, as a dim phone screen under strong light: the quiet zone and
    /// the finder centres are flat blocks, thresholded with the code around them.
    #[test]
    fn a_faint_code_reads() {
        let text = code_text();
        let mut px = frame(&text, |x, y| ((x - 100.0) / 5.0, (y - 50.0) / 5.0));
        for p in px.iter_mut() {
            *p = 110 + (u16::from(*p) * 40 / 255) as u8;
        }
        assert_eq!(read(&px, 640, 480), Some(text));
    }

    #[test]
    fn frames_without_a_code_give_nothing() {
        assert_eq!(read(&vec![255; 640 * 480], 640, 480), None);
        let mut s = 7u32;
        let noise: Vec<u8> = (0..640 * 480)
            .map(|_| {
                s = s.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                (s >> 16) as u8
            })
            .collect();
        assert_eq!(read(&noise, 640, 480), None);
        assert_eq!(read(&[0; 30 * 30], 30, 30), None);
        assert_eq!(read(&[0; 10], 640, 480), None);
    }

    #[test]
    fn a_perspective_fit_maps_its_points() {
        let from = [
            Pt { x: 0.0, y: 0.0 },
            Pt { x: 10.0, y: 0.0 },
            Pt { x: 0.0, y: 10.0 },
            Pt { x: 10.0, y: 10.0 },
        ];
        let to = [
            Pt { x: 5.0, y: 7.0 },
            Pt { x: 50.0, y: 3.0 },
            Pt { x: 2.0, y: 60.0 },
            Pt { x: 70.0, y: 80.0 },
        ];
        let h = Homography::fit(from, to).unwrap();
        for (p, q) in from.iter().zip(&to) {
            assert!(h.map(p.x, p.y).dist(*q) < 1e-6);
        }
        assert!(Homography::fit([from[0], from[0], from[0], from[0]], to).is_none());
    }
}
