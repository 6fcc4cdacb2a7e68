/**
 * Facts from One Codex's init_upload contract (the OpenAPI block of the standard upload doc).
 * Every limit the action enforces before sending comes from here.
 */

/** `filename` / `paired_end_filename` pattern, ECMAScript semantics (`\w` is ASCII only). */
export const FILENAME_PATTERN = /^[\w.]+[\w\-.[\](){} ]*\.[\w.]+$/

/** The standard upload's size limit: 20 GB. */
export const MAX_UPLOAD_BYTES = 20 * 1000 ** 3

// Object storage facts (S3, which both routes end in; see onecodex-other-routes.md).
/** The most S3 takes in one request, so in one form POST of the standard route: 5 GB. */
export const MAX_SINGLE_REQUEST_BYTES = 5 * 1000 ** 3
/** S3 multipart limits: at most 10,000 parts of 5 MiB (the last may be smaller) to 5 GiB. */
export const MAX_PARTS = 10_000
export const MIN_PART_BYTES = 5 * 1024 ** 2
export const MAX_PART_BYTES = 5 * 1024 ** 3
/** The largest S3 object, so the largest file the multipart route can send: 5 TiB. */
export const MAX_OBJECT_BYTES = 5 * 1024 ** 4

export const FASTA_EXTENSIONS = ['.fa', '.fasta', '.fna', '.ffn', '.fas'] as const
export const FASTQ_EXTENSIONS = ['.fq', '.fastq'] as const
export const GZIP_SUFFIXES = ['.gz', '.gzip'] as const

export const TAG_MAX_LENGTH = 30
export const PROJECT_MAX_LENGTH = 16
export const EXTERNAL_SAMPLE_ID_MAX_LENGTH = 60

export const PLATFORMS = [
  '454 sequencing',
  '454 GS FLX',
  '454 GS FLX Titanium',
  'Illumina',
  'Illumina Genome Analyzer II',
  'Illumina HiSeq',
  'Illumina HiSeq 1500',
  'Illumina HiSeq 2000',
  'Illumina HiSeq 2500',
  'Illumina HiSeq 3000',
  'Illumina HiSeq 4000',
  'Illumina HiSeq X',
  'Illumina iSeq 100',
  'Illumina MiniSeq',
  'Illumina MiSeq',
  'Illumina NextSeq',
  'Illumina NextSeq 500',
  'Illumina NextSeq 550',
  'Illumina NovaSeq',
  'Illumina NovaSeq 5000',
  'Illumina NovaSeq 6000',
  'BGISEQ',
  'BGISEQ 50',
  'Element',
  'Element AVITI',
  'Ion',
  'Ion S5',
  'Ion S5 XL',
  'Ion PGM',
  'Ion Proton',
  'Ion Torrent',
  'Oxford Nanopore',
  'Oxford Nanopore GridION X5',
  'Oxford Nanopore MinION',
  'Oxford Nanopore PromethION',
  'PacBio',
  'PacBio RS II',
  'PacBio Sequel',
  'PacBio Sequel II System',
  'PacBio Revio',
  'PacBio Onso',
  'SOLiD',
  'Solexa Genome Analyzer',
  'Sanger',
  'Other'
] as const

export const LIBRARY_TYPES = ['WGS', 'Targeted/16S', 'Other'] as const
export const SAMPLE_TYPES = ['Isolate', 'Metagenomic', 'Other'] as const
