import { expect, test } from 'vitest'
import { dictionaries, label, savedLang, translate } from './i18n'

test('Japanese and English have the same keys, none empty', () => {
  const ja = Object.keys(dictionaries.ja).sort()
  expect(Object.keys(dictionaries.en).sort()).toEqual(ja)
  for (const lang of ['ja', 'en'] as const) {
    for (const [k, v] of Object.entries(dictionaries[lang])) expect(v.trim(), `${lang} ${k}`).not.toBe('')
  }
})

test('placeholders are filled; unknown ones stay', () => {
  expect(translate('ja', 'app.outbox', { n: 2 })).toBe('送信待ち 2件')
  expect(translate('en', 'app.outbox', { n: 2 })).toBe('2 waiting to send')
  expect(translate('ja', 'app.outbox')).toBe('送信待ち {n}件')
})

test('a missing key shows itself; labels fall back to the code', () => {
  expect(translate('ja', 'no.such.key')).toBe('no.such.key')
  expect(label('ja', 'state', 'confirmed')).toBe('確定')
  expect(label('en', 'state', 'confirmed')).toBe('Confirmed')
  expect(label('ja', 'kind', 'mystery')).toBe('mystery')
})

test('the six states of DOMAIN.md §5 and the three withdrawal options are worded', () => {
  const states = ['loaded', 'adjusting', 'confirmed', 'deducted', 'reported', 'closed'].map((s) => label('ja', 'state', s))
  expect(states).toEqual(['読込済', '調整中', '確定', '控除反映', '報告済', '完了'])
  expect(translate('ja', 'option.end')).toContain('当月末で脱退')
  expect(translate('ja', 'option.lump_sum')).toContain('一括精算')
  expect(translate('ja', 'option.bank_transfer')).toContain('口座振替で継続')
})

test('the saved language is Japanese unless English was chosen', () => {
  expect(savedLang(undefined)).toBe('ja')
  expect(savedLang({ getItem: () => 'en' })).toBe('en')
  expect(savedLang({ getItem: () => 'fr' })).toBe('ja')
  expect(
    savedLang({
      getItem: () => {
        throw new Error('denied')
      },
    }),
  ).toBe('ja')
})
