/** Common English function words, left out of keywords and summary scores. */
export const ENGLISH_STOP_WORDS: ReadonlySet<string> = new Set(
  (
    'a about above after again against all also am an and any are as at be because been before being below ' +
    'between both but by can could did do does doing down during each either else etc even ever every few for ' +
    'from further had has have having he her here hers herself him himself his how however i if in into is it ' +
    'its itself just let me might more most much must my myself neither no nor not now of off on once only or ' +
    'other our ours ourselves out over own per rather same shall she should since so some such than that the ' +
    'their theirs them themselves then there these they this those though through thus to too under until up ' +
    'upon us very via was we were what whatever when where whether which while who whom whose why will with ' +
    'within without would yet you your yours yourself yourselves one two may many well like get got make made ' +
    "it's don't doesn't isn't aren't wasn't can't won't i'm you're we're they're that's there's"
  ).split(/\s+/),
);

/**
 * The commonest words of some languages written in Latin script, for telling them apart by the
 * share of the text they make up. Short lists of frequent, fairly distinctive words.
 */
export const LATIN_LANGUAGE_MARKERS: Readonly<Record<string, { name: string; words: ReadonlySet<string> }>> =
  {
    en: {
      name: 'English',
      words: set(
        'the and of to is in that it for was with as on are this be by not have from or at which you an',
      ),
    },
    fr: {
      name: 'French',
      words: set(
        'le la les des et est un une du que qui dans pour pas sur au avec il elle ce cette sont ne nous vous',
      ),
    },
    de: {
      name: 'German',
      words: set(
        'der die das und ist nicht ein eine zu den von mit sich des auf für im dem auch es sie wird werden',
      ),
    },
    es: {
      name: 'Spanish',
      words: set('el la los las y es en que del un una por con para se no al lo como más pero sus está son'),
    },
    it: {
      name: 'Italian',
      words: set('il lo la gli le di e che è un una per non con del della sono si alla anche nel come più'),
    },
    pt: {
      name: 'Portuguese',
      words: set('o a os as e de do da dos das que em um uma para com não no na por se mais é são'),
    },
    nl: {
      name: 'Dutch',
      words: set('de het een en van is dat niet op te zijn voor met die ook als aan er maar wordt om bij'),
    },
  };

/** Chinese function characters: a bigram holding one says little about the text's subject. */
export const CHINESE_STOP_CHARS: ReadonlySet<string> = new Set([
  ...'的了是在和与及或这那也就都而一个为于之其我你他她它们有不被把对等',
]);

function set(words: string): ReadonlySet<string> {
  return new Set(words.split(' '));
}
