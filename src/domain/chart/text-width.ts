/**
 * Advance widths of DejaVu Sans (the font every chart is drawn in), in thousandths of an em, as
 * measured by scripts/charts/measure-font-widths.ts. The label layout sizes its collision boxes
 * from them; a character not in the table counts as the widest common one (an "M").
 */
const ADVANCE_PER_MILLE_EM: Readonly<Record<string, number>> = {"0":636,"1":636,"2":636,"3":636,"4":636,"5":636,"6":636,"7":636,"8":636,"9":636," ":318,"!":401,"\"":460,"#":838,"$":636,"%":950,"&":780,"'":275,"(":390,")":390,"*":500,"+":838,",":318,"-":361,".":318,"/":337,":":337,";":337,"<":838,"=":838,">":838,"?":531,"@":1000,"A":684,"B":686,"C":698,"D":770,"E":632,"F":575,"G":775,"H":752,"I":295,"J":295,"K":656,"L":557,"M":863,"N":748,"O":787,"P":603,"Q":787,"R":695,"S":635,"T":611,"U":732,"V":684,"W":989,"X":685,"Y":611,"Z":685,"[":390,"\\":337,"]":390,"^":838,"_":500,"`":500,"a":613,"b":635,"c":550,"d":635,"e":615,"f":352,"g":635,"h":634,"i":278,"j":278,"k":579,"l":278,"m":974,"n":634,"o":612,"p":635,"q":635,"r":411,"s":521,"t":392,"u":634,"v":592,"w":818,"x":592,"y":592,"z":525,"{":636,"|":337,"}":636,"~":838,"—":1000,"–":500,"°":500,"·":318,"≥":838,"≤":838,"…":1000,"−":838,"→":838,"é":615,"×":838};

const UNKNOWN_PER_MILLE_EM = 863;

/** Width in pixels of `text` in DejaVu Sans at `fontSizePx` (no kerning: DejaVu's kerning only narrows, so this errs wide). */
export function textWidthPx(text: string, fontSizePx: number): number {
  let perMille = 0;
  for (const c of text) perMille += ADVANCE_PER_MILLE_EM[c] ?? UNKNOWN_PER_MILLE_EM;
  return (perMille * fontSizePx) / 1000;
}
