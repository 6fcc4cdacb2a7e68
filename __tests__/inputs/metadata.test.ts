import { describe, expect, it } from '@jest/globals'
import { checkMetadataField, isDateTime, validateMetadata } from '../../src/inputs/metadata.js'
import type { Json } from '../../src/shared/types.js'

describe('validateMetadata', () => {
  it.each<[string, Json]>([
    ['an empty object', {}],
    [
      'every field set',
      {
        name: 'Soil 7',
        description: 'Field sample',
        platform: 'Illumina MiSeq',
        library_type: 'Targeted/16S',
        sample_type: 'Metagenomic',
        date_collected: '2024-05-01',
        date_sequenced: '2024-05-03T13:45:00Z',
        location_lat: -33.9,
        location_lon: 151.2,
        location_string: 'Sydney',
        external_sample_id: 'LIMS-0042',
        starred: true,
        custom: { lab_tech: 'Linus Pauling', run: 7, passed_qc: false, note: null }
      }
    ],
    [
      'nullable fields set to null',
      {
        name: null,
        description: null,
        platform: null,
        library_type: null,
        sample_type: null,
        date_collected: null,
        date_sequenced: null,
        location_lat: null,
        location_lon: null,
        location_string: null,
        external_sample_id: null
      }
    ],
    ['limits reached exactly', { location_lat: 90, location_lon: -180, name: 'n'.repeat(255) }],
    ['external_sample_id of 60 characters', { external_sample_id: 'x'.repeat(60) }]
  ])('accepts %s', (_label, metadata) => {
    expect(validateMetadata(metadata)).toEqual([])
  })

  it.each<[string, Json, RegExp]>([
    ['an array', [], /^metadata is an array: it must be a JSON object/],
    ['null', null, /^metadata is null: it must be a JSON object/],
    ['a string', 'Illumina', /^metadata is the string "Illumina"/],
    [
      'an unknown key',
      { lab: 'x' },
      /^metadata\.lab is not a known metadata field.*metadata\.custom/
    ],
    [
      'platform in the wrong case',
      { platform: 'illumina miseq' },
      /metadata\.platform .*did you mean "Illumina MiSeq"/
    ],
    [
      'an unknown platform',
      { platform: 'Nanopore' },
      /metadata\.platform is the string "Nanopore": it must be one of .*"Oxford Nanopore MinION"/
    ],
    [
      'library_type misspelt',
      { library_type: 'targeted/16s' },
      /metadata\.library_type .*did you mean "Targeted\/16S"/
    ],
    [
      'sample_type unknown',
      { sample_type: 'Clinical' },
      /metadata\.sample_type .*"Isolate", "Metagenomic", "Other", or null/
    ],
    ['a numeric platform', { platform: 5 }, /metadata\.platform is the number 5/],
    [
      'name too long',
      { name: 'n'.repeat(256) },
      /metadata\.name is 256 characters long: at most 255/
    ],
    [
      'location_string too long',
      { location_string: 'l'.repeat(256) },
      /metadata\.location_string is 256 .* at most 255/
    ],
    [
      'external_sample_id too long',
      { external_sample_id: 'x'.repeat(61) },
      /metadata\.external_sample_id is 61 .* at most 60/
    ],
    [
      'name not a string',
      { name: 12 },
      /metadata\.name is the number 12: it must be a string or null/
    ],
    [
      'latitude above 90',
      { location_lat: 90.5 },
      /metadata\.location_lat is 90\.5: it must be from -90 to 90/
    ],
    [
      'latitude as a string',
      { location_lat: '45' },
      /metadata\.location_lat is the string "45": it must be a number/
    ],
    [
      'longitude below -180',
      { location_lon: -181 },
      /metadata\.location_lon is -181: it must be from -180 to 180/
    ],
    [
      'starred as a string',
      { starred: 'yes' },
      /metadata\.starred is the string "yes": it must be true or false/
    ],
    ['starred null', { starred: null }, /metadata\.starred is null: it must be true or false/],
    [
      'an unparsable date',
      { date_collected: 'yesterday' },
      /metadata\.date_collected is "yesterday": it must be an ISO 8601/
    ],
    [
      'an impossible date',
      { date_sequenced: '2024-02-30' },
      /metadata\.date_sequenced is "2024-02-30"/
    ],
    [
      'a date as a number',
      { date_collected: 20240501 },
      /metadata\.date_collected is the number 20240501/
    ],
    [
      'custom not an object',
      { custom: ['a'] },
      /metadata\.custom is an array: it must be a JSON object/
    ],
    ['custom null', { custom: null }, /metadata\.custom is null/],
    [
      'custom nested object',
      { custom: { run: { id: 1 } } },
      /metadata\.custom\.run is an object: custom values must be strings.*depth of one/
    ],
    [
      'custom nested array',
      { custom: { 'lab tech': ['a'] } },
      /metadata\.custom\["lab tech"\] is an array/
    ]
  ])('refuses %s, naming the JSON path', (_label, metadata, message) => {
    const violations = validateMetadata(metadata)
    expect(violations).toHaveLength(1)
    expect(violations[0]).toMatch(message)
  })

  it('reports every violation at once', () => {
    const violations = validateMetadata({
      platform: 'MiSeq',
      location_lat: 100,
      starred: 'no',
      colour: 'red',
      custom: { a: {}, b: [] }
    })
    expect(violations).toHaveLength(6)
    for (const at of ['platform', 'location_lat', 'starred', 'colour', 'custom.a', 'custom.b']) {
      expect(violations.some(v => v.startsWith(`metadata.${at} `))).toBe(true)
    }
  })
})

describe('checkMetadataField (one value, named where it came from)', () => {
  const at = 'sheet.csv row 3, column Platform'
  it.each<[string, Json, string[]]>([
    ['platform', 'Illumina MiSeq', []],
    [
      'platform',
      'illumina miseq',
      [
        `${at} is the string "illumina miseq": did you mean "Illumina MiSeq"? Values are matched with their exact spelling.`
      ]
    ],
    ['location_lat', 91, [`${at} is 91: it must be from -90 to 90.`]],
    [
      'date_collected',
      '2024-02-30',
      [
        `${at} is "2024-02-30": it must be an ISO 8601 date or date-time such as "2024-05-01" or "2024-05-01T13:45:00Z".`
      ]
    ],
    ['name', 'n'.repeat(256), [`${at} is 256 characters long: at most 255 are allowed.`]]
  ])('checks %s = %j', (key, value, messages) => {
    expect(checkMetadataField(key, value, at)).toEqual(messages)
  })

  it('knows no field called colour', () => {
    expect(checkMetadataField('colour', 'red', at)).toBeUndefined()
  })
})

describe('isDateTime', () => {
  it.each([
    '2024-05-01',
    '2024-02-29',
    '2024-05-01T13:45:00Z',
    '2024-05-01T13:45:00.123Z',
    '2024-05-01T13:45:00+02:00',
    '2024-05-01T13:45:00-0500',
    '2024-05-01T13:45',
    '2024-05-01 13:45:00',
    '2024-05-01t13:45:00z'
  ])('accepts %s', text => {
    expect(isDateTime(text)).toBe(true)
  })

  it.each([
    '',
    'yesterday',
    '05/01/2024',
    'May 1, 2024',
    '2023-02-29',
    '2024-13-01',
    '2024-04-31',
    '2024-05-01T24:00:00Z',
    '2024-05-01T13:60:00Z',
    '2024-05-01T13:45:00+25:00',
    '2024-5-1',
    '1714557600000'
  ])('refuses %s', text => {
    expect(isDateTime(text)).toBe(false)
  })
})
