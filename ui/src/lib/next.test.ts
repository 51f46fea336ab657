import { expect, test } from 'vitest'
import { translate } from './i18n'
import { nextKeys, nextScreen, screenForKey, SCREENS } from './next'

test('each next action has a screen, a sentence and a button in both languages', () => {
  const codes = ['review_changes', 'fix_errors', 'confirm', 'outputs', 'deductions', 'submit', 'done']
  expect(codes.map(nextScreen)).toEqual(['changes', 'bill', 'bill', 'outputs', 'deductions', 'report', 'report'])
  for (const code of codes) {
    const k = nextKeys(code)
    for (const lang of ['ja', 'en'] as const) {
      expect(translate(lang, k.sentence)).not.toBe(k.sentence)
      expect(translate(lang, k.button)).not.toBe(k.button)
    }
  }
  expect(nextScreen('unheard_of')).toBeNull()
  expect(translate('ja', nextKeys('unheard_of').sentence)).toBe('次の手順を確認してください。')
})

test('Alt+1..9 switch screens', () => {
  const key = (code: string, key: string, alt = true) => ({ altKey: alt, ctrlKey: false, metaKey: false, code, key })
  expect(screenForKey(key('Digit1', '1'))).toBe('dashboard')
  expect(screenForKey(key('Digit9', '9'))).toBe('settings')
  // macOS: Option+4 types another character; the physical key counts.
  expect(screenForKey(key('Digit4', '¢'))).toBe('changes')
  expect(screenForKey(key('Digit1', '1', false))).toBeNull()
  expect(screenForKey(key('Digit0', '0'))).toBeNull()
  expect(SCREENS).toHaveLength(9)
})
