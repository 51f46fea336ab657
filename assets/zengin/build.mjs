// Builds assets/zengin/banks.dat from the npm package zengin-code (MIT, see LICENSE.txt).
//
//   cd "$(mktemp -d)" && npm pack zengin-code@VERSION && tar xzf zengin-code-*.tgz
//   node /path/to/assets/zengin/build.mjs package > /path/to/assets/zengin/banks.dat
//
// Output: single-byte JIS X 0201 (as cp932 writes it), LF after every line.
//   line 1:   "zengin-code <version> <YYYY-MM-DD>"   (the data set's date, from the version)
//   "B" + 4-digit bank code + bank kana           one line per bank, in code order,
//   3-digit branch code + branch kana             followed by its branches, in code order.
// Kana are already in the Zengin character set for bank and branch names (FORMATS.md): half-width
// katakana with ﾞ ﾟ, digits, upper-case letters, space and "-" only ("．" and "・" become spaces,
// runs of spaces one, trimmed). Names are not cut to 15 bytes here; the writer does that.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

const dir = path.resolve(process.argv[2] ?? "package");
const pkg = JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8"));
const data = createRequire(import.meta.url)(path.join(dir, "lib", "zengin-data.js"));
const m = /p(\d{4})(\d{2})(\d{2})$/.exec(pkg.version);
if (!m) throw new Error(`no date in version ${pkg.version}`);

const FULL = "ァアィイゥウェエォオカキクケコサシスセソタチッツテトナニヌネノハヒフヘホマミムメモャヤュユョヨラリルレロヮワヰヱヲンヵヶ";
const HALF = "ｱｱｲｲｳｳｴｴｵｵｶｷｸｹｺｻｼｽｾｿﾀﾁﾂﾂﾃﾄﾅﾆﾇﾈﾉﾊﾋﾌﾍﾎﾏﾐﾑﾒﾓﾔﾔﾕﾕﾖﾖﾗﾘﾙﾚﾛﾜﾜｲｴｦﾝｶｹ";
const table = new Map([...FULL].map((c, i) => [c, HALF[i]]));

function bankName(kana, where) {
  let out = "";
  for (const c of kana.normalize("NFD")) {
    const cp = c.codePointAt(0);
    if (table.has(c)) out += table.get(c);
    else if (cp === 0x3099) out += "ﾞ";
    else if (cp === 0x309a) out += "ﾟ";
    else if (c === "ー" || c === "－" || c === "-") out += "-";
    else if (c === "　" || c === " " || c === "．" || c === "." || c === "・") out += " ";
    else if (cp >= 0xff10 && cp <= 0xff19) out += String.fromCharCode(cp - 0xfee0);
    else if (cp >= 0xff21 && cp <= 0xff3a) out += String.fromCharCode(cp - 0xfee0);
    else if (/^[0-9A-Z]$/.test(c)) out += c;
    else throw new Error(`${where}: ${JSON.stringify(kana)} has ${c} (U+${cp.toString(16)})`);
  }
  out = out.replace(/ +/g, " ").trim();
  // To single bytes: ASCII as is, half-width katakana U+FF61..U+FF9F -> 0xA1..0xDF.
  return Buffer.from([...out].map((c) => {
    const cp = c.codePointAt(0);
    return cp < 0x80 ? cp : cp - 0xfec0;
  }));
}

const parts = [Buffer.from(`zengin-code ${pkg.version} ${m[1]}-${m[2]}-${m[3]}\n`, "ascii")];
for (const code of Object.keys(data).sort()) {
  const bank = data[code];
  if (!/^\d{4}$/.test(code)) throw new Error(`bank code ${code}`);
  parts.push(Buffer.from(`B${code}`), bankName(bank.kana, code), Buffer.from("\n"));
  for (const bc of Object.keys(bank.branches).sort()) {
    if (!/^\d{3}$/.test(bc)) throw new Error(`branch code ${code}-${bc}`);
    parts.push(Buffer.from(bc), bankName(bank.branches[bc].kana, `${code}-${bc}`), Buffer.from("\n"));
  }
}
process.stdout.write(Buffer.concat(parts));
